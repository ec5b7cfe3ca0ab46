#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "identity/jwks.h"
#include "identity/principal.h"

namespace gh::identity {

// Why a token was refused. Each value is one audit reason category (see category_name).
enum class TokenFailure : uint8_t {
  kMalformed,
  kUnsupportedAlgorithm,
  kUnknownKey,
  kBadSignature,
  kExpired,
  kNotYetValid,
  kWrongIssuer,
  kWrongAudience,
  kIdpUnreachable,  // no usable keys: the issuer's JWKS cannot be fetched and the cache is stale
};
// "malformed", "unsupported_algorithm", "unknown_key", "bad_signature", "expired",
// "not_yet_valid", "wrong_issuer", "wrong_audience", "idp_unreachable".
std::string_view category_name(TokenFailure f);

struct TokenError {
  TokenFailure category;
  std::string message;
};

// A Principal, or the reason category and message of a refusal.
class TokenVerdict {
 public:
  TokenVerdict(Principal p) : v_(std::move(p)) {}   // NOLINT(google-explicit-constructor)
  TokenVerdict(TokenError e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<Principal>(v_); }
  const Principal& principal() const { return std::get<Principal>(v_); }
  Principal&& take_principal() && { return std::get<Principal>(std::move(v_)); }
  const TokenError& error() const { return std::get<TokenError>(v_); }
  TokenFailure category() const { return error().category; }
  // Status::Denied("<category>: <message>"), or Ok.
  Status status() const;

 private:
  std::variant<Principal, TokenError> v_;
};

struct VerifierConfig {
  std::string issuer;                  // exact match with "iss"
  std::vector<std::string> audiences;  // "aud" (string or array) must contain one of these
  int64_t clock_skew_s = 60;           // tolerance for exp, nbf and iat
  std::string subject_claim = "sub";
  // The first of these that is a non-empty string names the principal; else the subject.
  std::vector<std::string> display_name_claims = {"email", "preferred_username", "client_id",
                                                  "azp"};
  // Dotted path to the groups: "groups", "realm_access.roles". A string or array of strings;
  // empty disables groups.
  std::string groups_claim = "groups";
};

// Verifies compact JWS access tokens (RFC 7515/7519) against a JWKS. Pure: no I/O, no clock;
// the caller passes the time and the keys, and refreshes the JWKS on kUnknownKey.
class TokenVerifier {
 public:
  static constexpr size_t kMaxTokenBytes = 16 * 1024;
  static constexpr int64_t kMaxClockSkewS = 3600;

  // Refuses a config without issuer or audience, or with a skew outside [0, kMaxClockSkewS].
  static Result<TokenVerifier> create(VerifierConfig config);

  TokenVerdict verify(std::string_view token, const Jwks& jwks, int64_t now_unix_s) const;

  const VerifierConfig& config() const { return config_; }

 private:
  explicit TokenVerifier(VerifierConfig c);
  VerifierConfig config_;
  std::vector<std::string> groups_path_;  // groups_claim split at dots
};

}  // namespace gh::identity
