#include "identity/discovery.h"

#include <simdjson.h>

#include "identity/http_url.h"
#include "identity/json_util.h"
#include "identity/jwks.h"

namespace gh::identity {
namespace {

// Provider-supplied text ends up in logs and login errors: bounded and printable only.
std::string shown(std::string_view s) {
  constexpr size_t kMax = 200;
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

std::string discovery_url(std::string_view issuer) {
  if (issuer.ends_with('/')) issuer.remove_suffix(1);
  return std::string(issuer) + "/.well-known/openid-configuration";
}

Result<DiscoveryDocument> parse_discovery(std::string_view text, std::string_view expected_issuer) {
  // Real documents are a few KB; the JWKS bound is generous and keeps one limit for both.
  if (text.size() > Jwks::kMaxDocumentBytes) {
    return Status::Invalid("discovery document is larger than " +
                           std::to_string(Jwks::kMaxDocumentBytes) + " bytes");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::Invalid(std::string("discovery document is not JSON: ") +
                           simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return Status::Invalid("discovery document is not a JSON object");
  }
  if (json::has_duplicate_keys(root)) {
    return Status::Invalid("discovery document has duplicate members");
  }
  auto issuer = json::string_member(root, "issuer");
  if (!issuer) return Status::Invalid("discovery document has no \"issuer\" string");
  if (*issuer != expected_issuer) {
    return Status::Invalid("discovery document names issuer " + shown(*issuer) +
                           ", not the configured " + shown(expected_issuer));
  }
  auto jwks_uri = json::string_member(root, "jwks_uri");
  if (!jwks_uri) return Status::Invalid("discovery document has no \"jwks_uri\" string");
  if (auto u = parse_http_url(*jwks_uri); !u.ok()) {
    return Status::Invalid("discovery document \"jwks_uri\" is unusable: " + u.status().message());
  }
  return DiscoveryDocument{std::string(*issuer), std::string(*jwks_uri)};
}

}  // namespace gh::identity
