#include "identity/authenticator.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "test_idp.h"
#include "test_keys.h"

namespace gh::identity {
namespace {

using namespace std::chrono_literals;
using test::TestIdp;

// Records when and on which thread a refresh callback ran. Shared, so a callback that runs
// after a failed test gave up waiting touches nothing dead.
struct Done {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::thread::id thread;

  static std::function<void()> callback(const std::shared_ptr<Done>& d) {
    return [d] {
      std::lock_guard lk(d->mu);
      ++d->calls;
      d->thread = std::this_thread::get_id();
      d->cv.notify_all();
    };
  }
  bool wait(int calls_wanted = 1) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 5s, [&] { return calls >= calls_wanted; });
  }
};

template <typename Pred>
bool eventually(Pred pred) {
  for (auto deadline = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(2ms)) {
    if (pred()) return true;
  }
  return pred();
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() : k1_(test::make_signing_key("k1")), k2_(test::make_signing_key("k2")) {
    idp_.set_jwks(test::jwks_json({k1_.jwk()}));
  }

  IssuerConfig config(const TestIdp& idp) const {
    IssuerConfig c;
    c.issuer = idp.url();
    c.verifier.audiences = {"gatehouse"};
    c.http_timeout = 2000ms;
    return c;
  }
  std::unique_ptr<TokenAuthenticator> make(IssuerConfig c) {
    auto a = TokenAuthenticator::create({std::move(c)});
    EXPECT_TRUE(a.ok()) << a.status().message();
    return std::move(a).value();
  }
  // Until `n` fetches have succeeded and are over (so a refresh cannot join them).
  bool fetched(const TokenAuthenticator& a, uint64_t n = 1) {
    return eventually([&] { return a.counters().fetches_ok.load() >= n; });
  }

  // What a session does: check; if keys are needed, refresh, wait, check once more.
  struct Login {
    std::optional<TokenVerdict> verdict;
    bool refreshed = false;
    std::thread::id done_thread;
  };
  Login login(TokenAuthenticator& a, const std::string& token, int64_t now = test::unix_now()) {
    Login out;
    LoginCheck c = a.check(token, now);
    if (!c.need_refresh()) {
      out.verdict = std::move(c.verdict);
      return out;
    }
    auto done = std::make_shared<Done>();
    a.refresh(c.issuer, Done::callback(done));
    EXPECT_TRUE(done->wait()) << "refresh never finished";
    out.refreshed = true;
    out.done_thread = done->thread;
    out.verdict = a.check_after_refresh(token, now);
    return out;
  }
  static void expect_ok(const Login& l) {
    ASSERT_TRUE(l.verdict.has_value());
    ASSERT_TRUE(l.verdict->ok()) << l.verdict->status().message();
    EXPECT_EQ(l.verdict->principal().subject, "agent-7");
  }
  static void expect_refused(const Login& l, TokenFailure f, const std::string& needle = "") {
    ASSERT_TRUE(l.verdict.has_value());
    ASSERT_FALSE(l.verdict->ok());
    EXPECT_EQ(l.verdict->category(), f) << l.verdict->error().message;
    EXPECT_NE(l.verdict->error().message.find(needle), std::string::npos)
        << l.verdict->error().message;
  }

  TestIdp idp_;
  test::SigningKey k1_, k2_;
};

TEST_F(AuthenticatorTest, CreateRefusesBadIssuerLists) {
  auto refused = [](std::vector<IssuerConfig> list, const std::string& needle) {
    auto a = TokenAuthenticator::create(std::move(list));
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), Status::Code::kInvalid);
    EXPECT_NE(a.status().message().find(needle), std::string::npos) << a.status().message();
  };
  refused({}, "at least one issuer");
  refused({config(idp_), config(idp_)}, "issuer " + idp_.url() + " is configured twice");
  IssuerConfig c = config(idp_);
  c.issuer = "http://idp.example.com";
  refused({c}, "refusing plain http to http://idp.example.com/.well-known/openid-configuration");
  c = config(idp_);
  c.jwks_uri = "http://10.0.0.1/jwks";
  refused({c}, "jwks_uri: refusing plain http");
  c = config(idp_);
  c.verifier.audiences.clear();
  refused({c}, "needs an audience");
  c = config(idp_);
  c.verifier.issuer = "https://other.example.com";
  refused({c}, "another issuer");
  c = config(idp_);
  c.ca_file = "/nonexistent/ca.pem";
  refused({c}, "ca_file /nonexistent/ca.pem is not readable");
  c = config(idp_);
  c.jwks_max_age = 0s;
  refused({c}, "jwks_max_age");
}

TEST_F(AuthenticatorTest, ReportsItsIssuers) {
  TestIdp other;
  auto a = TokenAuthenticator::create({config(idp_), config(other)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->issuer_count(), 2u);
  EXPECT_EQ((*a)->issuer_name(0), idp_.url());
  EXPECT_EQ((*a)->issuer_name(1), other.url());
}

TEST_F(AuthenticatorTest, WithoutStartNothingIsFetched) {
  auto a = make(config(idp_));
  std::string token = test::login_token(k1_, idp_.url());
  LoginCheck c = a->check(token, test::unix_now());
  EXPECT_TRUE(c.need_refresh());
  Login l = login(*a, token);
  EXPECT_EQ(l.done_thread, std::this_thread::get_id());  // answered at once
  expect_refused(l, TokenFailure::kIdpUnreachable,
                 "identity provider " + idp_.url() +
                     " is unreachable and no keys have been fetched from it yet: no fetch has "
                     "been attempted yet");
  EXPECT_EQ(idp_.hits("/jwks"), 0);

  ASSERT_TRUE(a->fetch_now(0).ok());  // tests and `gatehouse check` may fetch by hand
  expect_ok(login(*a, token));
  EXPECT_EQ(a->counters().fetches_ok.load(), 1u);
}

TEST_F(AuthenticatorTest, DiscoversAndVerifies) {
  auto a = make(config(idp_));
  a->start();
  std::string token = test::login_token(k1_, idp_.url());
  expect_ok(login(*a, token));  // whether or not the initial fetch was done yet
  ASSERT_TRUE(fetched(*a));
  EXPECT_NE(a->issuer_keys(0).snapshot(), nullptr);
  LoginCheck c = a->check(token, test::unix_now());
  ASSERT_FALSE(c.need_refresh());
  ASSERT_TRUE(c.verdict->ok());
  EXPECT_EQ(c.verdict->principal().issuer, idp_.url());
  EXPECT_EQ(c.verdict->principal().groups, std::vector<std::string>{"data-agents"});
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 1);
  EXPECT_EQ(idp_.hits("/jwks"), 1);
}

TEST_F(AuthenticatorTest, UntrustedOrMissingIssuerIsRefusedWithoutNamingTrustedOnes) {
  auto a = make(config(idp_));
  auto refused = [&](const std::string& token, TokenFailure f, const std::string& message) {
    LoginCheck c = a->check(token, test::unix_now());
    ASSERT_FALSE(c.need_refresh());
    ASSERT_FALSE(c.verdict->ok());
    EXPECT_EQ(c.verdict->category(), f);
    EXPECT_EQ(c.verdict->error().message, message);
    EXPECT_EQ(c.verdict->error().message.find(idp_.url()), std::string::npos);
    TokenVerdict again = a->check_after_refresh(token, test::unix_now());
    EXPECT_EQ(again.error().message, message);
  };
  refused(test::login_token(k1_, "https://evil.example.com"), TokenFailure::kWrongIssuer,
          "token issuer \"https://evil.example.com\" is not trusted by gatehouse");
  refused(test::make_token(R"({"alg":"ES256","kid":"k1"})", R"({"sub":"x","exp":9999999999})",
                           "ES256", k1_.key.get()),
          TokenFailure::kWrongIssuer, "token has no \"iss\" (issuer) claim");
  refused("not-a-token", TokenFailure::kMalformed, "token is not three dot-separated segments");
  refused("a.!!!.c", TokenFailure::kMalformed, "token segment is not unpadded base64url");
  refused("a." + test::b64("[1]") + ".c", TokenFailure::kMalformed,
          "token claims is not a JSON object");
  EXPECT_EQ(idp_.hits("/jwks"), 0);
}

TEST_F(AuthenticatorTest, KeyRotationIsPickedUpWithoutRestart) {
  auto a = make(config(idp_));
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.set_jwks(test::jwks_json({k2_.jwk()}));  // the provider rotates to a new key
  std::string token = test::login_token(k2_, idp_.url());
  EXPECT_TRUE(a->check(token, test::unix_now()).need_refresh());
  Login l = login(*a, token);
  EXPECT_TRUE(l.refreshed);
  EXPECT_NE(l.done_thread, std::this_thread::get_id());  // called on the fetch thread
  expect_ok(l);
  EXPECT_EQ(idp_.hits("/jwks"), 2);
  expect_ok(login(*a, token));  // and now straight away
  EXPECT_EQ(idp_.hits("/jwks"), 2);
}

TEST_F(AuthenticatorTest, UnknownKidRefreshesAreRateLimited) {
  auto a = make(config(idp_));  // jwks_min_refresh_interval 10 s
  a->start();
  ASSERT_TRUE(fetched(*a));
  Login first = login(*a, test::login_token(k1_, idp_.url(), "made-up-1"));
  EXPECT_TRUE(first.refreshed);
  expect_refused(first, TokenFailure::kUnknownKey, "no key with kid \"made-up-1\"");
  EXPECT_EQ(idp_.hits("/jwks"), 2);

  // Inside the window: refused at once, no fetch.
  Login second = login(*a, test::login_token(k1_, idp_.url(), "made-up-2"));
  EXPECT_FALSE(second.refreshed);
  expect_refused(second, TokenFailure::kUnknownKey, "no key with kid \"made-up-2\"");
  auto done = std::make_shared<Done>();
  a->refresh(0, Done::callback(done));  // a session that asks anyway
  EXPECT_EQ(done->calls, 1);
  EXPECT_EQ(done->thread, std::this_thread::get_id());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(idp_.hits("/jwks"), 2);
  EXPECT_EQ(a->counters().refreshes_rate_limited.load(), 1u);
  expect_ok(login(*a, test::login_token(k1_, idp_.url())));  // known keys still work
}

TEST_F(AuthenticatorTest, ConcurrentRefreshesShareOneFetch) {
  IssuerConfig c = config(idp_);
  c.jwks_min_refresh_interval = 0s;  // so only coalescing can explain a single fetch
  auto a = make(c);
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.set_delay(300ms);
  constexpr int kSessions = 8;
  auto done = std::make_shared<Done>();
  std::vector<std::thread> sessions;
  for (int i = 0; i < kSessions; ++i) {
    sessions.emplace_back([&] { a->refresh(0, Done::callback(done)); });
  }
  for (auto& t : sessions) t.join();
  ASSERT_TRUE(done->wait(kSessions));
  EXPECT_EQ(done->calls, kSessions);
  EXPECT_EQ(idp_.hits("/jwks"), 2);  // the initial fetch and one refresh
  EXPECT_EQ(a->counters().refreshes_coalesced.load(), uint64_t{kSessions - 1});
  EXPECT_EQ(a->counters().refreshes_rate_limited.load(), 0u);
}

TEST_F(AuthenticatorTest, ProviderDownWithFreshCacheStillLogsIn) {
  auto a = make(config(idp_));
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.stop();
  std::string token = test::login_token(k1_, idp_.url());
  expect_ok(login(*a, token));
  auto done = std::make_shared<Done>();
  a->refresh(0, Done::callback(done));  // the refresh fails ...
  ASSERT_TRUE(done->wait());
  EXPECT_EQ(a->counters().fetches_failed.load(), 1u);
  EXPECT_TRUE(a->check_after_refresh(token, test::unix_now()).ok());  // ... the keys stay
}

TEST_F(AuthenticatorTest, ProviderDownAndCacheTooOldIsIdpUnreachable) {
  IssuerConfig c = config(idp_);
  c.jwks_max_age = 1s;
  auto a = make(c);
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.stop();
  const int64_t later = test::unix_now() + 5;  // past jwks_max_age
  std::string token = test::login_token(k1_, idp_.url());
  EXPECT_TRUE(a->check(token, later).need_refresh());
  Login l = login(*a, token, later);
  EXPECT_TRUE(l.refreshed);
  const std::string port = std::to_string(idp_.port());
  const std::string message = "identity provider " + idp_.url() +
                              " is unreachable and its cached keys are older than "
                              "jwks_max_age (1 s): JWKS: GET " +
                              idp_.url() + "/jwks: connect to 127.0.0.1:" + port +
                              " failed: Connection refused";
  expect_refused(l, TokenFailure::kIdpUnreachable);
  EXPECT_EQ(l.verdict->error().message, message);
  EXPECT_EQ(l.verdict->status().message(), "idp_unreachable: " + message);
  EXPECT_TRUE(a->check(token, test::unix_now()).verdict->ok());  // keys fine until max age
}

TEST_F(AuthenticatorTest, GarbageJwksIsIdpUnreachable) {
  idp_.set_jwks("{\"keys\": \"nope\"}");
  auto a = make(config(idp_));
  a->start();
  ASSERT_TRUE(eventually([&] { return a->counters().fetches_failed.load() >= 1; }));
  Login l = login(*a, test::login_token(k1_, idp_.url()));
  EXPECT_TRUE(l.refreshed);
  expect_refused(l, TokenFailure::kIdpUnreachable,
                 "identity provider " + idp_.url() +
                     " is unreachable and no keys have been fetched from it yet: JWKS from " +
                     idp_.url() + "/jwks is invalid: JWKS document has no \"keys\" array");
}

TEST_F(AuthenticatorTest, StopAnswersPendingRefreshesPromptly) {
  IssuerConfig c = config(idp_);
  c.http_timeout = 10s;
  auto a = make(c);
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.set_delay(10s);  // the next fetch hangs
  std::string token = test::login_token(k2_, idp_.url());
  auto done = std::make_shared<Done>();
  a->refresh(0, Done::callback(done));
  ASSERT_TRUE(eventually([&] { return idp_.hits("/jwks") == 2; }));
  auto start = std::chrono::steady_clock::now();
  a->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(done->calls, 1);
  EXPECT_EQ(a->check_after_refresh(token, test::unix_now()).category(), TokenFailure::kUnknownKey);
  auto after = std::make_shared<Done>();
  a->refresh(0, Done::callback(after));  // after stop: answered at once
  EXPECT_EQ(after->calls, 1);
  EXPECT_EQ(after->thread, std::this_thread::get_id());
}

TEST_F(AuthenticatorTest, RefreshesInTheBackground) {
  IssuerConfig c = config(idp_);
  c.jwks_refresh_interval = 1s;
  auto a = make(c);
  a->start();
  ASSERT_TRUE(fetched(*a));
  idp_.set_jwks(test::jwks_json({k1_.jwk(), k2_.jwk()}));
  ASSERT_TRUE(eventually([&] { return a->issuer_keys(0).snapshot()->jwks.find("k2"); }));
  EXPECT_EQ(idp_.hits("/jwks"), 2);
  EXPECT_EQ(idp_.hits(TestIdp::kDiscoveryPath), 1);
  LoginCheck check = a->check(test::login_token(k2_, idp_.url()), test::unix_now());
  ASSERT_FALSE(check.need_refresh());
  EXPECT_TRUE(check.verdict->ok());
}

TEST_F(AuthenticatorTest, PicksTheIssuerOfEachToken) {
  TestIdp other;
  test::SigningKey k3 = test::make_signing_key("k3");
  other.set_jwks(test::jwks_json({k3.jwk()}));
  auto made = TokenAuthenticator::create({config(idp_), config(other)});
  ASSERT_TRUE(made.ok());
  auto& a = **made;
  a.start();
  ASSERT_TRUE(fetched(a, 2));
  LoginCheck c = a.check(test::login_token(k3, other.url()), test::unix_now());
  EXPECT_EQ(c.issuer, 1u);
  ASSERT_TRUE(c.verdict.has_value() && c.verdict->ok());
  EXPECT_EQ(c.verdict->principal().issuer, other.url());
  // A key of one issuer does not vouch for another: k1 is idp_'s.
  Login l = login(a, test::login_token(k1_, other.url()));
  expect_refused(l, TokenFailure::kUnknownKey);
  EXPECT_EQ(a.counters().fetches_ok.load(), 3u);  // two initial fetches, one refresh
}

}  // namespace
}  // namespace gh::identity
