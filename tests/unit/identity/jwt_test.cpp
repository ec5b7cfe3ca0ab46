#include "identity/jwt.h"

#include <gtest/gtest.h>

#include <map>

#include "identity_test_util.h"

namespace gh::identity {
namespace {

using test::b64;
using test::make_token;

constexpr int64_t kNow = 1'800'000'000;
constexpr char kIssuer[] = "https://idp.example.com/realms/agents";

struct Claims {
  std::string iss = std::string("\"") + kIssuer + "\"";
  std::string aud = R"("gatehouse")";
  int64_t exp = kNow + 300;
  std::optional<int64_t> nbf = kNow - 10;
  std::optional<int64_t> iat = kNow - 10;
  std::string extra = R"("sub":"agent-7","azp":"etl-bot","groups":["data-agents","ops"])";

  std::string json() const {
    std::string out = "{\"iss\":" + iss + ",\"aud\":" + aud + ",\"exp\":" + std::to_string(exp);
    if (nbf) out += ",\"nbf\":" + std::to_string(*nbf);
    if (iat) out += ",\"iat\":" + std::to_string(*iat);
    if (!extra.empty()) out += "," + extra;
    return out + "}";
  }
};

std::string header(const std::string& alg, const std::string& kid) {
  return R"({"alg":")" + alg + R"(","typ":"JWT","kid":")" + kid + "\"}";
}

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys_ = new std::map<std::string, EvpPkeyPtr>;
    (*keys_)["rsa"] = test::generate_key(JwsAlgorithm::kRS256);
    (*keys_)["p256"] = test::generate_key(JwsAlgorithm::kES256);
    (*keys_)["p384"] = test::generate_key(JwsAlgorithm::kES384);
    (*keys_)["ed"] = test::generate_key(JwsAlgorithm::kEdDSA);
    (*keys_)["rsa-ps"] = test::generate_key(JwsAlgorithm::kPS256);
    (*keys_)["other"] = test::generate_key(JwsAlgorithm::kRS256);  // not in the JWKS
    jwks_text_ = new std::string(test::jwks_json({
        test::jwk_json(key("rsa"), "rsa", ""),
        test::jwk_json(key("p256"), "p256", "ES256"),
        test::jwk_json(key("p384"), "p384", ""),
        test::jwk_json(key("ed"), "ed", "EdDSA"),
        test::jwk_json(key("rsa-ps"), "rsa-ps", "PS256"),
    }));
  }
  static EVP_PKEY* key(const std::string& name) { return (*keys_)[name].get(); }

  void SetUp() override {
    auto j = Jwks::parse(*jwks_text_);
    ASSERT_TRUE(j.ok()) << j.status().message();
    jwks_ = std::make_unique<Jwks>(std::move(j).value());
    VerifierConfig c;
    c.issuer = kIssuer;
    c.audiences = {"gatehouse"};
    c.clock_skew_s = 30;
    auto v = TokenVerifier::create(c);
    ASSERT_TRUE(v.ok());
    verifier_ = std::make_unique<TokenVerifier>(std::move(v).value());
  }

  TokenVerdict verify(const std::string& token) const {
    return verifier_->verify(token, *jwks_, kNow);
  }
  std::string token(const std::string& alg, const std::string& kid, const Claims& c = {}) {
    return make_token(header(alg, kid), c.json(), alg, key(kid));
  }
  void expect_refused(const TokenVerdict& v, TokenFailure f, const std::string& needle = "") {
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.category(), f) << v.error().message;
    EXPECT_EQ(v.status().code(), Status::Code::kDenied);
    EXPECT_EQ(v.status().message().rfind(std::string(category_name(f)) + ": ", 0), 0u);
    EXPECT_NE(v.error().message.find(needle), std::string::npos) << v.error().message;
  }

  static std::map<std::string, EvpPkeyPtr>* keys_;
  static std::string* jwks_text_;
  std::unique_ptr<Jwks> jwks_;
  std::unique_ptr<TokenVerifier> verifier_;
};
std::map<std::string, EvpPkeyPtr>* JwtTest::keys_ = nullptr;
std::string* JwtTest::jwks_text_ = nullptr;

// --- happy paths ---

TEST_F(JwtTest, AcceptsEveryAlgorithm) {
  const std::pair<const char*, const char*> cases[] = {
      {"RS256", "rsa"},    {"RS384", "rsa"},  {"RS512", "rsa"},  {"PS256", "rsa"},
      {"PS256", "rsa-ps"}, {"ES256", "p256"}, {"ES384", "p384"}, {"EdDSA", "ed"},
  };
  for (const auto& [alg, kid] : cases) {
    auto v = verify(token(alg, kid));
    ASSERT_TRUE(v.ok()) << alg << " " << kid << ": " << v.error().message;
    const Principal& p = v.principal();
    EXPECT_EQ(p.issuer, kIssuer);
    EXPECT_EQ(p.subject, "agent-7");
    EXPECT_EQ(p.display_name, "etl-bot");
    EXPECT_EQ(p.groups, (std::vector<std::string>{"data-agents", "ops"}));
    EXPECT_EQ(p.expires_at, kNow + 300);
  }
}

TEST_F(JwtTest, NestedGroupsAndConfigurableClaims) {
  VerifierConfig c = verifier_->config();
  c.groups_claim = "realm_access.roles";
  c.subject_claim = "client_id";
  c.display_name_claims = {"email", "preferred_username"};
  auto v = TokenVerifier::create(c);
  ASSERT_TRUE(v.ok());
  Claims claims;
  claims.extra =
      R"("client_id":"etl","email":"etl@example.com","realm_access":{"roles":["a","b"]})";
  auto r = v->verify(token("ES256", "p256", claims), *jwks_, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.principal().subject, "etl");
  EXPECT_EQ(r.principal().display_name, "etl@example.com");
  EXPECT_EQ(r.principal().groups, (std::vector<std::string>{"a", "b"}));

  claims.extra = R"("client_id":"etl","realm_access":{"roles":"solo"})";
  r = v->verify(token("ES256", "p256", claims), *jwks_, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.principal().groups, (std::vector<std::string>{"solo"}));
  EXPECT_EQ(r.principal().display_name, "etl");  // falls back to the subject

  claims.extra = R"("client_id":"etl","realm_access":{})";
  r = v->verify(token("ES256", "p256", claims), *jwks_, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.principal().groups.empty());

  claims.extra = R"("client_id":"etl","realm_access":{"roles":["a",1]})";
  expect_refused(v->verify(token("ES256", "p256", claims), *jwks_, kNow), TokenFailure::kMalformed,
                 "non-string");
}

TEST_F(JwtTest, AudienceMayBeAnArray) {
  Claims c;
  c.aud = R"(["account","gatehouse"])";
  EXPECT_TRUE(verify(token("EdDSA", "ed", c)).ok());
}

TEST_F(JwtTest, ClockSkewIsTolerated) {
  Claims c;
  c.exp = kNow - 29;
  c.nbf = kNow + 29;
  c.iat = kNow + 29;
  EXPECT_TRUE(verify(token("EdDSA", "ed", c)).ok());
}

// --- the token attack suite (issue 4) ---

TEST_F(JwtTest, RefusesAlgNone) {
  for (const char* alg : {"none", "None", "NONE"}) {
    std::string t = make_token(header(alg, "rsa"), Claims{}.json(), "none", nullptr);
    expect_refused(verify(t), TokenFailure::kUnsupportedAlgorithm, "is refused");
    expect_refused(verify(t + "c2ln"), TokenFailure::kUnsupportedAlgorithm);
  }
}

TEST_F(JwtTest, RefusesHs256SignedWithThePublicKey) {
  // Algorithm confusion: the attacker MACs with the RSA public key's bytes.
  std::string pem = test::public_pem(key("rsa"));
  std::string jwk = test::jwk_json(key("rsa"), "rsa", "");
  for (const std::string& secret : {pem, jwk}) {
    for (const char* alg : {"HS256", "HS384", "HS512"}) {
      std::string t = make_token(header(alg, "rsa"), Claims{}.json(), "HS256", nullptr, secret);
      expect_refused(verify(t), TokenFailure::kUnsupportedAlgorithm, alg);
    }
  }
}

TEST_F(JwtTest, RefusesHeaderAlgThatDoesNotMatchTheKey) {
  // An ES256 signature presented for an RSA kid, and RS256 for a key pinned to PS256.
  std::string input = b64(header("ES256", "rsa")) + "." + b64(Claims{}.json());
  std::string t = input + "." + b64(test::sign("ES256", key("p256"), input));
  expect_refused(verify(t), TokenFailure::kUnsupportedAlgorithm, "does not match key");
  expect_refused(verify(token("RS256", "rsa-ps")), TokenFailure::kUnsupportedAlgorithm);
  expect_refused(verify(token("ES384", "p256")), TokenFailure::kUnsupportedAlgorithm);
}

TEST_F(JwtTest, RefusesExpired) {
  Claims c;
  c.exp = kNow - 31;
  expect_refused(verify(token("RS256", "rsa", c)), TokenFailure::kExpired, "expired at");
  c.exp = kNow - 30;  // exactly at the skew boundary
  expect_refused(verify(token("RS256", "rsa", c)), TokenFailure::kExpired);
}

TEST_F(JwtTest, RefusesNotYetValid) {
  Claims c;
  c.nbf = kNow + 31;
  expect_refused(verify(token("RS256", "rsa", c)), TokenFailure::kNotYetValid, "not valid before");
  c.nbf.reset();
  c.iat = kNow + 3600;
  expect_refused(verify(token("RS256", "rsa", c)), TokenFailure::kNotYetValid, "future");
}

TEST_F(JwtTest, RefusesWrongIssuer) {
  Claims c;
  c.iss = R"("https://evil.example.com/realms/agents")";
  expect_refused(verify(token("ES256", "p256", c)), TokenFailure::kWrongIssuer, "evil");
  c.iss = R"(["https://idp.example.com/realms/agents"])";
  expect_refused(verify(token("ES256", "p256", c)), TokenFailure::kWrongIssuer);
}

TEST_F(JwtTest, RefusesWrongAudience) {
  Claims c;
  c.aud = R"("other-service")";
  expect_refused(verify(token("ES256", "p256", c)), TokenFailure::kWrongAudience);
  c.aud = R"(["account","other"])";
  expect_refused(verify(token("ES256", "p256", c)), TokenFailure::kWrongAudience);
  c.aud = "null";
  expect_refused(verify(token("ES256", "p256", c)), TokenFailure::kWrongAudience);
}

TEST_F(JwtTest, RefusesUnknownKid) {
  std::string t =
      make_token(header("RS256", "rotated-away"), Claims{}.json(), "RS256", key("other"));
  expect_refused(verify(t), TokenFailure::kUnknownKey, "rotated-away");
  // Without kid and with several keys there is no key to use.
  t = make_token(R"({"alg":"RS256"})", Claims{}.json(), "RS256", key("rsa"));
  expect_refused(verify(t), TokenFailure::kUnknownKey);
}

TEST_F(JwtTest, RefusesSignatureByAnotherKey) {
  std::string t = make_token(header("RS256", "rsa"), Claims{}.json(), "RS256", key("other"));
  expect_refused(verify(t), TokenFailure::kBadSignature);
}

TEST_F(JwtTest, RefusesTamperedPayload) {
  for (const auto& [alg, kid] : {std::pair{"RS256", "rsa"}, {"ES256", "p256"}, {"EdDSA", "ed"}}) {
    std::string t = token(alg, kid);
    size_t d1 = t.find('.'), d2 = t.rfind('.');
    Claims evil;
    evil.extra = R"("sub":"admin","groups":["superusers"])";
    std::string forged = t.substr(0, d1 + 1) + b64(evil.json()) + t.substr(d2);
    expect_refused(verify(forged), TokenFailure::kBadSignature);
  }
}

TEST_F(JwtTest, RefusesTruncatedSignature) {
  for (const auto& [alg, kid] : {std::pair{"RS256", "rsa"}, {"ES384", "p384"}, {"EdDSA", "ed"}}) {
    std::string t = token(alg, kid);
    std::string input = t.substr(0, t.rfind('.'));
    std::string sig = *base64url_decode(t.substr(t.rfind('.') + 1));
    for (size_t keep : {sig.size() - 1, sig.size() / 2, size_t{1}, size_t{0}}) {
      expect_refused(verify(input + "." + b64(sig.substr(0, keep))), TokenFailure::kBadSignature);
    }
    // Cut in the text instead: refused either as bad base64url or as a bad signature.
    for (size_t cut = 1; cut < 5; ++cut) {
      auto v = verify(t.substr(0, t.size() - cut));
      ASSERT_FALSE(v.ok());
      EXPECT_TRUE(v.category() == TokenFailure::kBadSignature ||
                  v.category() == TokenFailure::kMalformed);
    }
  }
}

TEST_F(JwtTest, RefusesOneMegabyteToken) {
  Claims c;
  c.extra = R"("sub":"x","pad":")" + std::string(1 << 20, 'a') + "\"";
  expect_refused(verify(token("EdDSA", "ed", c)), TokenFailure::kMalformed, "larger than 16384");
  expect_refused(verify(std::string(1 << 20, '.')), TokenFailure::kMalformed, "larger than");
}

TEST_F(JwtTest, RefusesMalformedBase64Url) {
  std::string t = token("RS256", "rsa");
  size_t d1 = t.find('.'), d2 = t.rfind('.');
  std::string header_b64 = t.substr(0, d1);
  std::string payload_b64 = t.substr(d1 + 1, d2 - d1 - 1);
  std::string sig_b64 = t.substr(d2 + 1);
  auto check = [&](const std::string& bad) {
    expect_refused(verify(bad), TokenFailure::kMalformed, "base64url");
  };
  check(header_b64 + "=." + payload_b64 + "." + sig_b64);  // padding
  check(header_b64 + "." + payload_b64 + "." + sig_b64 + "==");
  std::string plus = payload_b64;
  plus[3] = '+';
  check(header_b64 + "." + plus + "." + sig_b64);  // standard alphabet
  check(header_b64 + "." + payload_b64 + " ." + sig_b64);
  std::string long_sig = sig_b64;
  while (long_sig.size() % 4 != 1) long_sig += 'A';
  check(header_b64 + "." + payload_b64 + "." + long_sig);  // 4n+1 length
  check(header_b64 + "." + payload_b64 + "." + sig_b64.substr(0, sig_b64.size() - 1) + "_");
}

TEST_F(JwtTest, RefusesWrongSegmentCounts) {
  std::string t = token("EdDSA", "ed");
  for (const std::string& bad : {std::string(), std::string("abc"), t.substr(0, t.rfind('.')),
                                 t + ".", t + ".e30", std::string("..")}) {
    auto v = verify(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.category(), TokenFailure::kMalformed) << bad;
  }
}

TEST_F(JwtTest, RefusesMalformedHeaderAndClaims) {
  auto with = [&](const std::string& hdr, const std::string& claims) {
    return verify(make_token(hdr, claims, "EdDSA", key("ed")));
  };
  std::string good = Claims{}.json();
  expect_refused(with("not json", good), TokenFailure::kMalformed, "header");
  expect_refused(with("[]", good), TokenFailure::kMalformed, "header");
  expect_refused(with(R"({"kid":"ed"})", good), TokenFailure::kMalformed, "alg");
  expect_refused(with(R"({"alg":5,"kid":"ed"})", good), TokenFailure::kMalformed, "alg");
  expect_refused(with(R"({"alg":"EdDSA","kid":"ed","alg":"none"})", good), TokenFailure::kMalformed,
                 "duplicate");
  expect_refused(with(R"({"alg":"EdDSA","kid":["ed"]})", good), TokenFailure::kMalformed, "kid");
  expect_refused(with(R"({"alg":"EdDSA","kid":"ed","crit":["exp"]})", good),
                 TokenFailure::kUnsupportedAlgorithm, "crit");
  std::string hdr = header("EdDSA", "ed");
  expect_refused(with(hdr, "[1]"), TokenFailure::kMalformed, "claims");
  expect_refused(with(hdr, good.substr(0, good.size() - 1) + R"(,"sub":"admin"})"),
                 TokenFailure::kMalformed, "duplicate");
  Claims c;
  c.extra = R"("azp":"x")";
  expect_refused(with(hdr, c.json()), TokenFailure::kMalformed, "subject");
  std::string no_exp = good;
  no_exp.replace(no_exp.find("\"exp\""), 5, "\"xxx\"");
  expect_refused(with(hdr, no_exp), TokenFailure::kMalformed, "no \"exp\"");
  std::string str_exp = good;
  str_exp.replace(str_exp.find("\"exp\":") + 6, 10, "\"1900000000\"");
  expect_refused(with(hdr, str_exp), TokenFailure::kMalformed, "\"exp\" is not a number");
}

TEST_F(JwtTest, MessagesAreBoundedAndPrintable) {
  std::string kid(500, '\x01');
  std::string t = make_token(R"({"alg":"RS256","kid":")" + std::string(500, 'k') + "\"}",
                             Claims{}.json(), "RS256", key("rsa"));
  auto v = verify(t);
  ASSERT_FALSE(v.ok());
  EXPECT_LT(v.error().message.size(), 120u);
}

TEST(TokenVerifierConfig, RefusesIncompleteConfig) {
  VerifierConfig c;
  EXPECT_FALSE(TokenVerifier::create(c).ok());
  c.issuer = "https://idp";
  EXPECT_FALSE(TokenVerifier::create(c).ok());
  c.audiences = {"gatehouse"};
  EXPECT_TRUE(TokenVerifier::create(c).ok());
  c.clock_skew_s = -1;
  EXPECT_FALSE(TokenVerifier::create(c).ok());
  c.clock_skew_s = 60;
  c.groups_claim = "realm_access..roles";
  EXPECT_FALSE(TokenVerifier::create(c).ok());
}

}  // namespace
}  // namespace gh::identity
