#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "common/status.h"
#include "identity/http_fetch.h"
#include "identity/issuer_config.h"
#include "identity/jwt.h"
#include "identity/key_cache.h"

namespace gh::identity {

// The first look at a login token: a verdict, or "fetch keys for this issuer first".
struct LoginCheck {
  std::optional<TokenVerdict> verdict;  // empty: call refresh(issuer), then check_after_refresh
  size_t issuer = 0;                    // index of the token's issuer (when it is trusted)
  bool need_refresh() const { return !verdict.has_value(); }
};

// For metrics; monotonic.
struct AuthenticatorCounters {
  std::atomic<uint64_t> fetches_ok{0};
  std::atomic<uint64_t> fetches_failed{0};
  std::atomic<uint64_t> refreshes_rate_limited{0};  // refresh() answered without fetching
  std::atomic<uint64_t> refreshes_coalesced{0};     // refresh() joined a pending/running fetch
};

// Verifies login tokens of several trusted issuers, keeping each issuer's JWKS fresh.
//
// Threads: check() and check_after_refresh() are for any thread (io threads): no I/O, and
// one short lock per login (copying the issuer's snapshot pointer). All HTTP happens on ONE
// fetch thread owned by this object, started by start(): it fetches every issuer at once,
// then each every jwks_refresh_interval (sooner, with backoff, after a failure), and serves
// refresh() requests.
//
// Lifetime: outlives every session that uses it; stop() (or the destructor) must run while
// whatever the `done` callbacks post to (the io contexts) still exists, and never from a
// `done` callback (it joins the fetch thread).
//
// Without start() nothing is fetched: check() asks for keys, refresh() calls `done` at once
// and check_after_refresh() answers kIdpUnreachable (tests may call fetch_now() instead).
class TokenAuthenticator {
 public:
  // Refuses an empty list, duplicate issuers, a verifier config TokenVerifier refuses, a
  // URL gatehouse will not fetch (see check_fetchable_url) and out-of-range intervals.
  static Result<std::unique_ptr<TokenAuthenticator>> create(std::vector<IssuerConfig> issuers);

  ~TokenAuthenticator();  // stop()
  TokenAuthenticator(const TokenAuthenticator&) = delete;
  TokenAuthenticator& operator=(const TokenAuthenticator&) = delete;

  // Starts the fetch thread (once). stop() interrupts a fetch in flight, joins the thread
  // and runs every pending refresh callback on the calling thread; after it refresh() calls
  // `done` at once. Both are idempotent; start() after stop() does nothing.
  void start();
  void stop();

  // Hot path. The unverified "iss" picks the issuer; an unknown or missing one is
  // kWrongIssuer without naming the trusted issuers. Needs keys when the issuer has no
  // snapshot, its snapshot is older than jwks_max_age, or the token's kid is unknown and a
  // refresh is allowed now.
  LoginCheck check(std::string_view token, int64_t now_s) const;

  // Asks the fetch thread to refresh `issuer` and calls `done` on the FETCH THREAD when
  // that attempt has finished; requests while a fetch is pending or running join it. If a
  // refresh is not allowed (rate limit, not started, stopped), `done` runs at once on the
  // calling thread. `done` must be cheap and must not block (post to your own thread).
  void refresh(size_t issuer, std::function<void()> done);

  // Verifies with the keys there are, never asking for more: no usable snapshot (none, or
  // older than jwks_max_age) is kIdpUnreachable with the last fetch error.
  TokenVerdict check_after_refresh(std::string_view token, int64_t now_s) const;

  // Blocking fetch of one issuer on the calling thread (tests, `gatehouse check`). Never
  // on an io thread.
  Status fetch_now(size_t issuer);

  size_t issuer_count() const { return issuers_.size(); }
  std::string_view issuer_name(size_t issuer) const { return issuers_[issuer]->keys.issuer(); }
  const IssuerKeys& issuer_keys(size_t issuer) const { return issuers_[issuer]->keys; }
  const AuthenticatorCounters& counters() const { return counters_; }

 private:
  struct Issuer {
    explicit Issuer(IssuerConfig config, TokenVerifier v)
        : keys(std::move(config)), verifier(std::move(v)) {}
    IssuerKeys keys;
    TokenVerifier verifier;
  };
  using Clock = std::chrono::steady_clock;

  TokenAuthenticator() = default;
  // Index of the issuer the token names, or the refusal.
  std::variant<size_t, TokenError> pick_issuer(std::string_view token) const;
  bool usable(const KeySnapshot* snap, const IssuerKeys& keys, int64_t now_s) const;
  void run();
  void fetch_one(size_t i);
  void record(const Status& s);

  std::vector<std::unique_ptr<Issuer>> issuers_;
  AuthenticatorCounters counters_;
  FetchCancel cancel_;

  std::mutex mu_;  // guards the members below
  std::condition_variable wake_cv_;
  bool wake_ = false;
  bool running_ = false;
  bool stopped_ = false;
  std::vector<Clock::time_point> next_fetch_;  // per issuer, background schedule
  std::thread thread_;
};

}  // namespace gh::identity
