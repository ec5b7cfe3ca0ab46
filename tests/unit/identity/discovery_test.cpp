#include "identity/discovery.h"

#include <gtest/gtest.h>

namespace gh::identity {
namespace {

constexpr char kIssuer[] = "https://idp.example.com/realms/agents";

std::string doc(const std::string& issuer, const std::string& jwks_uri_member) {
  return R"({"issuer":")" + issuer + "\"" + jwks_uri_member +
         R"(,"token_endpoint":"https://idp.example.com/token"})";
}

void expect_invalid(std::string_view json, const std::string& needle) {
  auto r = parse_discovery(json, kIssuer);
  ASSERT_FALSE(r.ok()) << json;
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(Discovery, UrlIsBelowTheIssuer) {
  EXPECT_EQ(discovery_url("https://idp.example.com/realms/agents"),
            "https://idp.example.com/realms/agents/.well-known/openid-configuration");
  EXPECT_EQ(discovery_url("https://idp.example.com/"),
            "https://idp.example.com/.well-known/openid-configuration");
}

TEST(Discovery, ParsesIssuerAndJwksUri) {
  auto r = parse_discovery(doc(kIssuer, R"(,"jwks_uri":"https://idp.example.com/certs")"), kIssuer);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->issuer, kIssuer);
  EXPECT_EQ(r->jwks_uri, "https://idp.example.com/certs");
}

TEST(Discovery, IssuerMustMatchExactly) {
  const std::string jwks = R"(,"jwks_uri":"https://idp.example.com/certs")";
  expect_invalid(doc("https://evil.example.com/realms/agents", jwks),
                 "discovery document names issuer \"https://evil.example.com/realms/agents\", "
                 "not the configured \"https://idp.example.com/realms/agents\"");
  expect_invalid(doc(std::string(kIssuer) + "/", jwks), "not the configured");
  expect_invalid(doc("HTTPS://idp.example.com/realms/agents", jwks), "not the configured");
  expect_invalid(R"({"jwks_uri":"https://idp.example.com/certs"})", "no \"issuer\" string");
  expect_invalid(R"({"issuer":7,"jwks_uri":"https://idp.example.com/certs"})",
                 "no \"issuer\" string");
}

TEST(Discovery, JwksUriMustBeAnHttpUrl) {
  expect_invalid(doc(kIssuer, ""), "no \"jwks_uri\" string");
  expect_invalid(doc(kIssuer, R"(,"jwks_uri":null)"), "no \"jwks_uri\" string");
  expect_invalid(doc(kIssuer, R"(,"jwks_uri":"ftp://idp.example.com/certs")"),
                 "\"jwks_uri\" is unusable: URL \"ftp://idp.example.com/certs\" is not an http://");
  expect_invalid(doc(kIssuer, R"(,"jwks_uri":"https://u:p@idp.example.com/certs")"), "user info");
}

TEST(Discovery, RefusesBrokenDocuments) {
  expect_invalid("", "not JSON");
  expect_invalid("<html>login</html>", "not JSON");
  expect_invalid("[1,2]", "not a JSON object");
  expect_invalid(R"({"issuer":"a","issuer":"b","jwks_uri":"https://x/"})", "duplicate members");
  expect_invalid(std::string(2 << 20, ' '), "larger than");
}

}  // namespace
}  // namespace gh::identity
