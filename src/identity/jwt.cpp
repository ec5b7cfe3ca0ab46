#include "identity/jwt.h"

#include <simdjson.h>

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "identity/base64url.h"
#include "identity/json_util.h"
#include "identity/signature.h"

namespace gh::identity {
namespace {

namespace dom = simdjson::dom;

TokenError err(TokenFailure f, std::string msg) { return {f, std::move(msg)}; }

// A JSON number as whole unix seconds, saturating; nullopt if not a number.
std::optional<int64_t> numeric_date(dom::element e) {
  int64_t i;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  uint64_t u;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return std::numeric_limits<int64_t>::max();
  double d;
  if (e.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) return std::nullopt;
  if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(std::floor(d));
}

// Optional NumericDate claim: absent is fine, present and not a number is malformed.
std::optional<TokenError> read_date(dom::object claims, std::string_view name,
                                    std::optional<int64_t>* out) {
  dom::element e;
  if (claims.at_key(name).get(e) != simdjson::SUCCESS) return std::nullopt;
  *out = numeric_date(e);
  if (!*out)
    return err(TokenFailure::kMalformed, "claim \"" + std::string(name) + "\" is not a number");
  return std::nullopt;
}

std::optional<TokenError> parse_object(std::string_view json, dom::parser& parser,
                                       std::string_view what, dom::object* out) {
  dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(*out) != simdjson::SUCCESS) {
    return err(TokenFailure::kMalformed, std::string(what) + " is not a JSON object");
  }
  if (json::has_duplicate_keys(*out)) {
    return err(TokenFailure::kMalformed, std::string(what) + " has duplicate members");
  }
  return std::nullopt;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    size_t dot = path.find('.');
    parts.emplace_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return parts;
}

std::optional<TokenError> read_groups(dom::object claims, const std::vector<std::string>& path,
                                      std::vector<std::string>* groups) {
  if (path.empty()) return std::nullopt;
  dom::element cur;
  dom::object obj = claims;
  for (size_t i = 0; i < path.size(); ++i) {
    // A missing step means the principal has no groups, not a broken token.
    if (i > 0 && cur.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    if (obj.at_key(path[i]).get(cur) != simdjson::SUCCESS) return std::nullopt;
  }
  std::string_view s;
  if (cur.get_string().get(s) == simdjson::SUCCESS) {
    groups->emplace_back(s);
    return std::nullopt;
  }
  dom::array arr;
  if (cur.get_array().get(arr) != simdjson::SUCCESS) {
    return err(TokenFailure::kMalformed, "groups claim is neither a string nor an array");
  }
  for (dom::element g : arr) {
    if (g.get_string().get(s) != simdjson::SUCCESS) {
      return err(TokenFailure::kMalformed, "groups claim holds a non-string");
    }
    groups->emplace_back(s);
  }
  return std::nullopt;
}

bool audience_matches(dom::object claims, const std::vector<std::string>& accepted) {
  auto accepts = [&](std::string_view a) {
    for (const auto& x : accepted) {
      if (x == a) return true;
    }
    return false;
  };
  dom::element aud;
  if (claims.at_key("aud").get(aud) != simdjson::SUCCESS) return false;
  std::string_view s;
  if (aud.get_string().get(s) == simdjson::SUCCESS) return accepts(s);
  dom::array arr;
  if (aud.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (dom::element e : arr) {
    if (e.get_string().get(s) == simdjson::SUCCESS && accepts(s)) return true;
  }
  return false;
}

std::string shown(std::string_view s) {
  constexpr size_t kMax = 64;  // messages reach logs and audit: keep them bounded
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

std::string_view category_name(TokenFailure f) {
  switch (f) {
    case TokenFailure::kMalformed:
      return "malformed";
    case TokenFailure::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case TokenFailure::kUnknownKey:
      return "unknown_key";
    case TokenFailure::kBadSignature:
      return "bad_signature";
    case TokenFailure::kExpired:
      return "expired";
    case TokenFailure::kNotYetValid:
      return "not_yet_valid";
    case TokenFailure::kWrongIssuer:
      return "wrong_issuer";
    case TokenFailure::kWrongAudience:
      return "wrong_audience";
    case TokenFailure::kIdpUnreachable:
      return "idp_unreachable";
  }
  return "unknown";
}

Status TokenVerdict::status() const {
  if (ok()) return Status::Ok();
  return Status::Denied(std::string(category_name(error().category)) + ": " + error().message);
}

Result<TokenVerifier> TokenVerifier::create(VerifierConfig config) {
  if (config.issuer.empty()) return Status::Invalid("token verifier needs an issuer");
  if (config.audiences.empty()) return Status::Invalid("token verifier needs an audience");
  if (config.clock_skew_s < 0 || config.clock_skew_s > kMaxClockSkewS) {
    return Status::Invalid("clock skew must be between 0 and " + std::to_string(kMaxClockSkewS) +
                           " seconds");
  }
  if (config.subject_claim.empty()) return Status::Invalid("subject claim name is empty");
  for (const auto& part : split_path(config.groups_claim)) {
    if (part.empty()) return Status::Invalid("groups claim path has an empty step");
  }
  return TokenVerifier(std::move(config));
}

TokenVerifier::TokenVerifier(VerifierConfig c)
    : config_(std::move(c)), groups_path_(split_path(config_.groups_claim)) {}

TokenVerdict TokenVerifier::verify(std::string_view token, const Jwks& jwks, int64_t now) const {
  using F = TokenFailure;
  if (token.size() > kMaxTokenBytes) {
    return err(F::kMalformed, "token is larger than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return err(F::kMalformed, "token is not three dot-separated segments");
  }
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view sig_b64 = token.substr(dot2 + 1);
  auto header_json = base64url_decode(header_b64);
  auto payload_json = base64url_decode(payload_b64);
  auto signature = base64url_decode(sig_b64);
  if (!header_json || !payload_json || !signature) {
    return err(F::kMalformed, "token segment is not unpadded base64url");
  }

  thread_local dom::parser parser;
  dom::object header;
  if (auto e = parse_object(*header_json, parser, "token header", &header)) return *e;
  auto alg_name = json::string_member(header, "alg");
  if (!alg_name) return err(F::kMalformed, "token header has no \"alg\" string");
  auto alg = parse_algorithm(*alg_name);
  // none, HS*, and anything else unknown: the token cannot choose how it is checked.
  if (!alg) return err(F::kUnsupportedAlgorithm, "algorithm " + shown(*alg_name) + " is refused");
  if (json::present(header, "crit")) {
    return err(F::kUnsupportedAlgorithm, "token header has \"crit\" extensions");
  }
  std::string_view kid;
  if (json::present(header, "kid")) {
    auto k = json::string_member(header, "kid");
    if (!k) return err(F::kMalformed, "token header \"kid\" is not a string");
    kid = *k;
  }
  // Copy what is needed from the header: the parser is reused for the claims.
  std::string kid_copy(kid);
  const Jwk* key = jwks.find(kid_copy);
  if (key == nullptr) return err(F::kUnknownKey, "no key with kid " + shown(kid_copy));
  if ((key->algorithms & algorithm_bit(*alg)) == 0) {
    return err(F::kUnsupportedAlgorithm,
               "algorithm " + std::string(*alg_name) + " does not match key " + shown(kid_copy));
  }
  std::string_view signing_input = token.substr(0, dot2);
  if (!verify_signature(*alg, key->key.get(), signing_input, *signature)) {
    return err(F::kBadSignature, "signature does not verify with key " + shown(kid_copy));
  }

  dom::object claims;
  if (auto e = parse_object(*payload_json, parser, "token claims", &claims)) return *e;
  auto iss = json::string_member(claims, "iss");
  if (!iss || *iss != config_.issuer) {
    return err(F::kWrongIssuer,
               "issuer " + (iss ? shown(*iss) : "(none)") + " is not " + shown(config_.issuer));
  }
  if (!audience_matches(claims, config_.audiences)) {
    return err(F::kWrongAudience, "token audience does not include an accepted audience");
  }
  std::optional<int64_t> exp, nbf, iat;
  if (auto e = read_date(claims, "exp", &exp)) return *e;
  if (auto e = read_date(claims, "nbf", &nbf)) return *e;
  if (auto e = read_date(claims, "iat", &iat)) return *e;
  const int64_t skew = config_.clock_skew_s;
  if (!exp) return err(F::kMalformed, "token has no \"exp\"");
  if (now - skew >= *exp) return err(F::kExpired, "token expired at " + std::to_string(*exp));
  if (nbf && now + skew < *nbf) {
    return err(F::kNotYetValid, "token is not valid before " + std::to_string(*nbf));
  }
  if (iat && now + skew < *iat) {
    return err(F::kNotYetValid, "token is issued in the future at " + std::to_string(*iat));
  }

  Principal p;
  p.issuer = std::string(*iss);
  auto sub = json::string_member(claims, config_.subject_claim);
  if (!sub || sub->empty()) {
    return err(F::kMalformed, "token has no subject claim " + shown(config_.subject_claim));
  }
  p.subject = std::string(*sub);
  for (const auto& name : config_.display_name_claims) {
    auto v = json::string_member(claims, name);
    if (v && !v->empty()) {
      p.display_name = std::string(*v);
      break;
    }
  }
  if (p.display_name.empty()) p.display_name = p.subject;
  if (auto e = read_groups(claims, groups_path_, &p.groups)) return *e;
  p.expires_at = *exp;
  return p;
}

}  // namespace gh::identity
