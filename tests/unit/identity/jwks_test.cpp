#include "identity/jwks.h"

#include <gtest/gtest.h>

#include "identity_test_util.h"

namespace gh::identity {
namespace {

using test::generate_key;
using test::jwk_json;
using test::jwks_json;

TEST(Jwks, ParsesEveryKeyType) {
  auto rsa = generate_key(JwsAlgorithm::kRS256);
  auto p256 = generate_key(JwsAlgorithm::kES256);
  auto p384 = generate_key(JwsAlgorithm::kES384);
  auto ed = generate_key(JwsAlgorithm::kEdDSA);
  auto jwks = Jwks::parse(
      jwks_json({jwk_json(rsa.get(), "r", ""), jwk_json(p256.get(), "e1", ""),
                 jwk_json(p384.get(), "e2", "ES384"), jwk_json(ed.get(), "o", "EdDSA")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status().message();
  EXPECT_EQ(jwks->size(), 4u);
  EXPECT_EQ(jwks->skipped(), 0u);
  EXPECT_EQ(jwks->find("r")->algorithms, kRsaAlgorithms);
  EXPECT_EQ(jwks->find("e1")->algorithms, algorithm_bit(JwsAlgorithm::kES256));
  EXPECT_EQ(jwks->find("e2")->algorithms, algorithm_bit(JwsAlgorithm::kES384));
  EXPECT_EQ(jwks->find("o")->algorithms, algorithm_bit(JwsAlgorithm::kEdDSA));
  EXPECT_EQ(EVP_PKEY_eq(jwks->find("r")->key.get(), rsa.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(jwks->find("e1")->key.get(), p256.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(jwks->find("o")->key.get(), ed.get()), 1);
  EXPECT_EQ(jwks->find("missing"), nullptr);
  EXPECT_EQ(jwks->find(""), nullptr);  // several keys: a token must name one
}

TEST(Jwks, JwkAlgNarrowsRsaKey) {
  auto rsa = generate_key(JwsAlgorithm::kRS256);
  auto jwks = Jwks::parse(jwks_json({jwk_json(rsa.get(), "r", "PS256")}));
  ASSERT_TRUE(jwks.ok());
  EXPECT_EQ(jwks->find("r")->algorithms, algorithm_bit(JwsAlgorithm::kPS256));
  EXPECT_EQ(jwks->find(""), jwks->find("r"));  // a single key serves a token without kid
}

TEST(Jwks, SkipsUnsupportedKeys) {
  auto rsa = generate_key(JwsAlgorithm::kRS256);
  auto small = EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  std::string enc = jwk_json(rsa.get(), "enc", "");
  enc.replace(enc.find(R"("use":"sig")"), 11, R"("use":"enc")");
  auto jwks = Jwks::parse(jwks_json({
      R"({"kty":"oct","k":"c2VjcmV0","kid":"hmac"})",
      R"({"kty":"EC","crv":"P-521","x":"AA","y":"AA","kid":"p521"})",
      R"({"kty":"OKP","crv":"X25519","x":"AA","kid":"x"})",
      R"({"kty":"weird"})",
      jwk_json(rsa.get(), "oaep", "RSA-OAEP"),
      jwk_json(small.get(), "small", ""),
      enc,
      jwk_json(rsa.get(), "good", "RS256"),
  }));
  ASSERT_TRUE(jwks.ok()) << jwks.status().message();
  EXPECT_EQ(jwks->size(), 1u);
  EXPECT_EQ(jwks->skipped(), 7u);
  EXPECT_NE(jwks->find("good"), nullptr);
  EXPECT_EQ(jwks->find("hmac"), nullptr);
}

void expect_invalid(const std::string& doc, const std::string& needle) {
  auto r = Jwks::parse(doc);
  ASSERT_FALSE(r.ok()) << doc;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(Jwks, RefusesGarbage) {
  expect_invalid("<html>502 Bad Gateway</html>", "not JSON");
  expect_invalid("", "not JSON");
  expect_invalid(R"({"keys":[)", "not JSON");
  expect_invalid("[]", "not a JSON object");
  expect_invalid(R"({"kes":[]})", "no \"keys\" array");
  expect_invalid(R"({"keys":{}})", "no \"keys\" array");
  expect_invalid(R"({"keys":[42]})", "JWKS key 0 is not a JSON object");
  expect_invalid(R"({"keys":[{"kid":"a"}]})", "JWKS key 0 (kid \"a\"): key has no \"kty\"");
  expect_invalid(R"({"keys":[{"kty":"RSA","kid":7}]})", "\"kid\" is not a string");
  expect_invalid(R"({"keys":[{"kty":"RSA","n":"AQAB=","e":"AQAB"}]})", "\"n\"");
  expect_invalid(R"({"keys":[{"kty":"RSA","n":"AQAB"}]})", "\"e\"");
  expect_invalid(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})", "32-byte");
  expect_invalid(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]})", "32-byte");
  expect_invalid(R"({"keys":[{"kty":"RSA","kty":"EC"}]})", "duplicate");
  expect_invalid(std::string(Jwks::kMaxDocumentBytes + 1, ' '), "larger than");
}

TEST(Jwks, RefusesEcPointOffCurve) {
  auto p256 = generate_key(JwsAlgorithm::kES256);
  std::string jwk = jwk_json(p256.get(), "e", "");
  size_t y = jwk.find(R"("y":")") + 5;
  jwk[y] = jwk[y] == 'A' ? 'B' : 'A';
  expect_invalid(jwks_json({jwk}), "not on curve");
}

TEST(Jwks, RefusesDuplicateKid) {
  auto a = generate_key(JwsAlgorithm::kEdDSA);
  auto b = generate_key(JwsAlgorithm::kEdDSA);
  expect_invalid(jwks_json({jwk_json(a.get(), "k", ""), jwk_json(b.get(), "k", "")}),
                 "kid is used by two keys");
}

}  // namespace
}  // namespace gh::identity
