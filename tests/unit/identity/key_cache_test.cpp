#include "identity/key_cache.h"

#include <gtest/gtest.h>

#include "test_idp.h"
#include "test_keys.h"

namespace gh::identity {
namespace {

using namespace std::chrono_literals;
using test::TestIdp;

class IssuerKeysTest : public ::testing::Test {
 protected:
  IssuerKeysTest() : key_(test::make_signing_key("k1")) {
    idp_.set_jwks(test::jwks_json({key_.jwk()}));
  }
  IssuerConfig config() const {
    IssuerConfig c;
    c.issuer = idp_.url();
    c.verifier.audiences = {"gatehouse"};
    c.http_timeout = 2000ms;
    return c;
  }
  std::string last_error(const IssuerKeys& keys) const { return keys.fetch_state().last_error; }

  TestIdp idp_;
  test::SigningKey key_;
};

TEST_F(IssuerKeysTest, DiscoversThenFetchesTheJwks) {
  IssuerKeys keys(config());
  EXPECT_EQ(keys.snapshot(), nullptr);
  int64_t before = test::unix_now();
  ASSERT_TRUE(keys.fetch().ok()) << last_error(keys);
  auto snap = keys.snapshot();
  ASSERT_NE(snap, nullptr);
  EXPECT_NE(snap->jwks.find("k1"), nullptr);
  EXPECT_GE(snap->fetched_at_s, before);
  EXPECT_EQ(keys.fetch_state().jwks_uri, idp_.url() + "/jwks");
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 1);
  EXPECT_EQ(idp_.hits("/jwks"), 1);

  // The discovered jwks_uri is kept: the next fetch asks for the JWKS only.
  ASSERT_TRUE(keys.fetch().ok());
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 1);
  EXPECT_EQ(idp_.hits("/jwks"), 2);
  EXPECT_NE(keys.snapshot(), snap);  // a new snapshot; readers of the old one keep theirs
}

TEST_F(IssuerKeysTest, RefusesDiscoveryForAnotherIssuer) {
  idp_.set(TestIdp::kDiscoveryPath,
           {200, TestIdp::discovery_json("https://evil.example.com", idp_.url() + "/jwks")});
  IssuerKeys keys(config());
  Status s = keys.fetch();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "discovery at " + idp_.url() +
                             "/.well-known/openid-configuration: discovery document names "
                             "issuer \"https://evil.example.com\", not the configured \"" +
                             idp_.url() + "\"");
  EXPECT_EQ(last_error(keys), s.message());
  EXPECT_EQ(keys.snapshot(), nullptr);
  EXPECT_EQ(idp_.hits("/jwks"), 0);
}

TEST_F(IssuerKeysTest, ConfiguredJwksUriSkipsDiscovery) {
  idp_.set(TestIdp::kDiscoveryPath, {500, "discovery is broken"});
  idp_.set("/custom/certs", {200, test::jwks_json({key_.jwk()})});
  IssuerConfig c = config();
  c.jwks_uri = idp_.url() + "/custom/certs";
  IssuerKeys keys(c);
  ASSERT_TRUE(keys.fetch().ok()) << last_error(keys);
  EXPECT_NE(keys.snapshot()->jwks.find("k1"), nullptr);
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 0);
  EXPECT_EQ(idp_.hits("/custom/certs"), 1);
}

TEST_F(IssuerKeysTest, FailedFetchKeepsTheOldSnapshot) {
  IssuerKeys keys(config());
  ASSERT_TRUE(keys.fetch().ok());
  auto snap = keys.snapshot();
  idp_.set("/jwks", {503, "down for maintenance"});
  Status s = keys.fetch();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message(), "JWKS: GET " + idp_.url() + "/jwks: HTTP 503 Service Unavailable");
  EXPECT_EQ(keys.snapshot(), snap);
  FetchState st = keys.fetch_state();
  EXPECT_EQ(st.last_error, s.message());
  EXPECT_GT(st.last_error_at_s, 0);
  EXPECT_EQ(st.consecutive_failures, 1u);
  // A discovered jwks_uri that failed is discovered again next time.
  EXPECT_EQ(st.jwks_uri, "");
  idp_.set_jwks(test::jwks_json({key_.jwk()}));
  ASSERT_TRUE(keys.fetch().ok());
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 2);
  EXPECT_EQ(keys.fetch_state().consecutive_failures, 0u);
  EXPECT_EQ(keys.fetch_state().last_error, s.message());  // history for health pages
}

TEST_F(IssuerKeysTest, GarbageJwksIsAFailedFetch) {
  idp_.set_jwks("<html>Sign in</html>");
  IssuerKeys keys(config());
  Status s = keys.fetch();
  EXPECT_EQ(s.message(), "JWKS from " + idp_.url() +
                             "/jwks is invalid: JWKS document is not JSON: The JSON document has "
                             "an improper structure: missing or superfluous commas, braces, "
                             "missing keys, etc.");
  EXPECT_EQ(keys.snapshot(), nullptr);

  idp_.set_jwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
  EXPECT_EQ(keys.fetch().message(), "JWKS from " + idp_.url() +
                                        "/jwks is invalid: it has no usable signing keys "
                                        "(1 skipped)");
}

TEST_F(IssuerKeysTest, ServerDown) {
  idp_.stop();
  IssuerKeys keys(config());
  Status s = keys.fetch();
  EXPECT_EQ(s.message(), "discovery: GET " + idp_.url() +
                             "/.well-known/openid-configuration: connect to 127.0.0.1:" +
                             std::to_string(idp_.port()) + " failed: Connection refused");
}

// The on-demand bookkeeping, driven with explicit times: no threads, no sleeping.
TEST(IssuerKeysAdmission, RateLimitsAndCoalesces) {
  IssuerConfig c;
  c.issuer = "https://idp.example.com";
  c.jwks_min_refresh_interval = 10s;
  IssuerKeys keys(c);
  using A = IssuerKeys::Admission;
  const auto t0 = std::chrono::steady_clock::now();
  int ran = 0;
  auto waiter = [&ran]() -> std::function<void()> { return [&ran] { ++ran; }; };

  EXPECT_TRUE(keys.refresh_allowed(t0));
  auto w1 = waiter();
  EXPECT_EQ(keys.admit_refresh(w1, t0), A::kFetch);
  EXPECT_TRUE(keys.fetch_pending());
  auto w2 = waiter();
  EXPECT_EQ(keys.admit_refresh(w2, t0 + 1s), A::kJoined);  // pending: joins
  keys.begin_fetch();
  EXPECT_FALSE(keys.fetch_pending());
  auto w3 = waiter();
  EXPECT_EQ(keys.admit_refresh(w3, t0 + 2s), A::kJoined);  // running: joins
  EXPECT_TRUE(keys.refresh_allowed(t0 + 2s));
  auto waiters = keys.finish_fetch();
  EXPECT_EQ(waiters.size(), 3u);
  for (auto& w : waiters) w();
  EXPECT_EQ(ran, 3);

  // Inside the window: refused, and `done` stays with the caller.
  EXPECT_FALSE(keys.refresh_allowed(t0 + 9s));
  auto w4 = waiter();
  EXPECT_EQ(keys.admit_refresh(w4, t0 + 9s), A::kRateLimited);
  ASSERT_TRUE(w4);
  EXPECT_TRUE(keys.finish_fetch().empty());
  // The window is measured from the last admitted on-demand fetch.
  EXPECT_TRUE(keys.refresh_allowed(t0 + 10s));
  EXPECT_EQ(keys.admit_refresh(w4, t0 + 10s), A::kFetch);
}

TEST(IssuerKeysAdmission, ZeroWindowNeverRateLimits) {
  IssuerConfig c;
  c.issuer = "https://idp.example.com";
  c.jwks_min_refresh_interval = 0s;
  IssuerKeys keys(c);
  auto t = std::chrono::steady_clock::now();
  std::function<void()> w = [] {};
  EXPECT_EQ(keys.admit_refresh(w, t), IssuerKeys::Admission::kFetch);
  keys.finish_fetch();
  w = [] {};
  EXPECT_EQ(keys.admit_refresh(w, t), IssuerKeys::Admission::kFetch);
}

}  // namespace
}  // namespace gh::identity
