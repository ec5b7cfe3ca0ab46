// Bearer tokens that are OIDC JWTs: verified like client logins, against a real (local)
// identity provider.

#include "admin/bearer_auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "../identity/test_idp.h"
#include "../identity/test_keys.h"

namespace gh::admin {
namespace {

using namespace std::chrono_literals;
using identity::test::TestIdp;

class BearerJwtTest : public ::testing::Test {
 protected:
  BearerJwtTest() : key_(identity::test::make_signing_key("k1")) {
    idp_.set_jwks(identity::test::jwks_json({key_.jwk()}));
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gh-admin-auth-" + std::to_string(std::random_device{}()));
    auto s = store::open_sqlite_store(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s.value());
    identity::IssuerConfig c;
    c.issuer = idp_.url();
    c.verifier.audiences = {"gatehouse"};
    c.http_timeout = 1000ms;
    c.jwks_min_refresh_interval = 0s;
    auto a = identity::TokenAuthenticator::create({std::move(c)});
    ASSERT_TRUE(a.ok()) << a.status().message();
    tokens_ = std::move(a.value());
    tokens_->start();
  }
  void TearDown() override {
    tokens_->stop();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<identity::Principal> auth(const std::string& token) {
    BearerAuthenticator b(*store_, tokens_.get(), 3s);
    std::string header = "Bearer " + token;
    return b.authenticate(&header, identity::test::unix_now());
  }

  TestIdp idp_;
  identity::test::SigningKey key_;
  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<identity::TokenAuthenticator> tokens_;
};

TEST_F(BearerJwtTest, ValidTokenGivesItsGroups) {
  auto p = auth(identity::test::login_token(key_, idp_.url()));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->kind, identity::PrincipalKind::kToken);
  EXPECT_EQ(p->subject, "agent-7");
  EXPECT_EQ(p->groups, std::vector<std::string>{"data-agents"});
}

TEST_F(BearerJwtTest, ForgedTokenIsDeniedWithoutEchoingIt) {
  auto other = identity::test::make_signing_key("k1");  // same kid, other key
  std::string token = identity::test::login_token(other, idp_.url());
  auto p = auth(token);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kDenied);
  EXPECT_NE(p.status().message().find("token refused"), std::string::npos)
      << p.status().message();
  EXPECT_EQ(p.status().message().find(token.substr(token.rfind('.') + 1)), std::string::npos);
}

TEST_F(BearerJwtTest, UnknownIssuerIsDenied) {
  auto p = auth(identity::test::login_token(key_, "https://elsewhere.example"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kDenied);
}

TEST_F(BearerJwtTest, UnknownKidWaitsForTheRefresh) {
  auto k2 = identity::test::make_signing_key("k2");
  ASSERT_TRUE(auth(identity::test::login_token(key_, idp_.url())).ok());
  idp_.set_jwks(identity::test::jwks_json({key_.jwk(), k2.jwk()}));
  auto p = auth(identity::test::login_token(k2, idp_.url()));
  EXPECT_TRUE(p.ok()) << p.status().message();
}

TEST_F(BearerJwtTest, ProviderDownIsUnavailable) {
  idp_.stop();
  auto p = auth(identity::test::login_token(key_, idp_.url()));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kUnavailable) << p.status().message();
}

TEST(BearerKeys, NoIssuerMeansKeysOnly) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gh-admin-keys-" + std::to_string(std::random_device{}()));
  auto s = store::open_sqlite_store(dir.string());
  ASSERT_TRUE(s.ok());
  BearerAuthenticator b(**s, nullptr);
  std::string jwt_like = "Bearer aaa.bbb.ccc";
  auto p = b.authenticate(&jwt_like, 0);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "gatehouse trusts no token issuer; use an API key");
  std::string huge = "Bearer " + std::string(20000, 'a');
  p = b.authenticate(&huge, 0);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("longer than any token"), std::string::npos);
  EXPECT_FALSE(b.authenticate(nullptr, 0).ok());
  s.value().reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gh::admin
