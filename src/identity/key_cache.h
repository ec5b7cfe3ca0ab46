#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity/http_fetch.h"
#include "identity/issuer_config.h"
#include "identity/jwks.h"

namespace gh::identity {

// The keys of one issuer as fetched at one moment. Immutable once published.
struct KeySnapshot {
  Jwks jwks;
  int64_t fetched_at_s = 0;  // unix seconds of the successful fetch
};

// What the fetches of one issuer have done so far, for login errors and health.
struct FetchState {
  std::string jwks_uri;    // configured or discovered; empty until discovery succeeds
  std::string last_error;  // of the last failed attempt (kept after a later success)
  int64_t last_error_at_s = 0;
  int64_t last_success_at_s = 0;
  uint32_t consecutive_failures = 0;
};

// The JWKS of one issuer, shared by all io threads. Readers take the current snapshot
// without blocking; only the authenticator's fetch thread (or a test) calls fetch().
// It also keeps the bookkeeping of on-demand refreshes: one pending fetch at a time (later
// requests join it) and at most one on-demand fetch per jwks_min_refresh_interval, so a
// stream of tokens with made-up kids cannot turn gatehouse against its identity provider.
class IssuerKeys {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class Admission {
    kFetch,        // `done` is stored and a fetch is now pending: the owner must run it
    kJoined,       // a fetch is pending or running; `done` runs when it finishes
    kRateLimited,  // too soon after the last on-demand fetch; `done` is not taken
  };

  explicit IssuerKeys(IssuerConfig config);
  IssuerKeys(const IssuerKeys&) = delete;
  IssuerKeys& operator=(const IssuerKeys&) = delete;

  const IssuerConfig& config() const { return config_; }
  const std::string& issuer() const { return config_.issuer; }

  // Null before the first successful fetch. Costs a short lock (a pointer copy); see snap_mu_.
  std::shared_ptr<const KeySnapshot> snapshot() const {
    std::lock_guard lk(snap_mu_);
    return snapshot_;
  }
  FetchState fetch_state() const;

  // Blocking: discovery (until it succeeds once, unless jwks_uri is configured), then the
  // JWKS. Success publishes a new snapshot; failure keeps the old one and records the error
  // (also returned). Calls are serialised. Never call it on an io thread.
  Status fetch(FetchCancel* cancel = nullptr);

  // On-demand refresh, from any thread. Moves from `done` unless kRateLimited.
  Admission admit_refresh(std::function<void()>& done, SteadyTime now);
  // Whether admit_refresh would take a request now (a lock-free hint for the login path).
  bool refresh_allowed(SteadyTime now) const;
  bool fetch_pending() const;

  // The fetch thread brackets each fetch with these; requests arriving in between join it.
  // finish_fetch hands back the waiters, to be run without locks held.
  void begin_fetch();
  std::vector<std::function<void()>> finish_fetch();

 private:
  Status fail(std::string error);
  static int64_t ticks(SteadyTime t) { return t.time_since_epoch().count(); }

  const IssuerConfig config_;
  // A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12's version releases its
  // internal lock with relaxed order after a load (ThreadSanitizer reports it), and logins,
  // not queries, take this lock, for the time of a reference-count increment.
  mutable std::mutex snap_mu_;
  std::shared_ptr<const KeySnapshot> snapshot_;
  std::mutex fetch_mu_;  // serialises fetch()

  mutable std::mutex mu_;  // guards the members below
  FetchState state_;
  bool pending_ = false;
  bool running_ = false;
  std::vector<std::function<void()>> waiters_;
  // Mirrors for refresh_allowed(), written under mu_.
  std::atomic<bool> busy_{false};  // pending_ || running_
  std::atomic<int64_t> last_on_demand_{std::numeric_limits<int64_t>::min() / 2};
};

}  // namespace gh::identity
