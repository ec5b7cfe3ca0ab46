#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gh::identity {

enum class PrincipalKind : uint8_t { kToken, kApiKey };

// Who a client proved to be: the subject of a verified token or a gatehouse API key.
struct Principal {
  PrincipalKind kind = PrincipalKind::kToken;
  std::string issuer;        // token: "iss"; API key: empty
  std::string subject;       // token: the subject claim; API key: the key's name
  std::string display_name;  // token: email, client_id, ...; API key: its owner
  std::vector<std::string> groups;
  int64_t expires_at = 0;  // unix seconds; 0 = never

  // How messages and logs name the principal: the display name if it differs, else the
  // subject ("alice@example.com (sub 4f1c...)" / "ci-job").
  std::string label() const {
    if (display_name.empty() || display_name == subject) return subject;
    return display_name + " (" + (kind == PrincipalKind::kApiKey ? "key " : "sub ") + subject +
           ")";
  }
  std::string_view kind_name() const { return kind == PrincipalKind::kApiKey ? "api_key" : "oidc"; }
};

}  // namespace gh::identity
