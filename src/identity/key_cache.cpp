#include "identity/key_cache.h"

#include "common/clock.h"
#include "identity/discovery.h"

#include <utility>

namespace gh::identity {
namespace {

int64_t unix_now_s() { return unix_now_ns() / 1'000'000'000; }

}  // namespace

IssuerKeys::IssuerKeys(IssuerConfig config) : config_(std::move(config)) {
  state_.jwks_uri = config_.jwks_uri;
}

FetchState IssuerKeys::fetch_state() const {
  std::lock_guard lk(mu_);
  return state_;
}

Status IssuerKeys::fail(std::string error) {
  std::lock_guard lk(mu_);
  state_.last_error = error;
  state_.last_error_at_s = unix_now_s();
  ++state_.consecutive_failures;
  // A discovered jwks_uri may be what broke: discover again next time.
  if (config_.jwks_uri.empty()) state_.jwks_uri.clear();
  return Status::Unavailable(std::move(error));
}

Status IssuerKeys::fetch(FetchCancel* cancel) {
  std::lock_guard fetch_lock(fetch_mu_);
  FetchOptions options;
  options.timeout = config_.http_timeout;
  options.ca_file = config_.ca_file;
  options.cancel = cancel;

  std::string jwks_uri;
  {
    std::lock_guard lk(mu_);
    jwks_uri = state_.jwks_uri;
  }
  if (jwks_uri.empty()) {
    std::string url = discovery_url(config_.issuer);
    auto body = http_get(url, options);
    if (!body.ok()) return fail("discovery: " + body.status().message());
    auto doc = parse_discovery(*body, config_.issuer);
    if (!doc.ok()) return fail("discovery at " + url + ": " + doc.status().message());
    jwks_uri = std::move(doc->jwks_uri);
    std::lock_guard lk(mu_);
    state_.jwks_uri = jwks_uri;
  }

  auto body = http_get(jwks_uri, options);
  if (!body.ok()) return fail("JWKS: " + body.status().message());
  auto jwks = Jwks::parse(*body);
  if (!jwks.ok()) return fail("JWKS from " + jwks_uri + " is invalid: " + jwks.status().message());
  // Publishing no keys would refuse every login; keep the old keys until they age out.
  if (jwks->size() == 0) {
    return fail("JWKS from " + jwks_uri + " is invalid: it has no usable signing keys (" +
                std::to_string(jwks->skipped()) + " skipped)");
  }
  auto snap = std::make_shared<KeySnapshot>();
  snap->jwks = std::move(jwks).value();
  snap->fetched_at_s = unix_now_s();
  std::shared_ptr<const KeySnapshot> old;  // freed below, outside the lock
  {
    std::lock_guard lk(snap_mu_);
    old = std::exchange(snapshot_, std::move(snap));  // readers of the old one keep it alive
  }
  std::lock_guard lk(mu_);
  state_.last_success_at_s = unix_now_s();
  state_.consecutive_failures = 0;
  return Status::Ok();
}

IssuerKeys::Admission IssuerKeys::admit_refresh(std::function<void()>& done, SteadyTime now) {
  std::lock_guard lk(mu_);
  if (pending_ || running_) {
    waiters_.push_back(std::move(done));
    return Admission::kJoined;
  }
  const int64_t window =
      std::chrono::duration_cast<SteadyTime::duration>(config_.jwks_min_refresh_interval).count();
  if (ticks(now) - last_on_demand_.load(std::memory_order_relaxed) < window) {
    return Admission::kRateLimited;
  }
  last_on_demand_.store(ticks(now), std::memory_order_relaxed);
  pending_ = true;
  busy_.store(true, std::memory_order_relaxed);
  waiters_.push_back(std::move(done));
  return Admission::kFetch;
}

bool IssuerKeys::refresh_allowed(SteadyTime now) const {
  if (busy_.load(std::memory_order_relaxed)) return true;
  const int64_t window =
      std::chrono::duration_cast<SteadyTime::duration>(config_.jwks_min_refresh_interval).count();
  return ticks(now) - last_on_demand_.load(std::memory_order_relaxed) >= window;
}

bool IssuerKeys::fetch_pending() const {
  std::lock_guard lk(mu_);
  return pending_;
}

void IssuerKeys::begin_fetch() {
  std::lock_guard lk(mu_);
  pending_ = false;
  running_ = true;
  busy_.store(true, std::memory_order_relaxed);
}

std::vector<std::function<void()>> IssuerKeys::finish_fetch() {
  std::lock_guard lk(mu_);
  pending_ = false;
  running_ = false;
  busy_.store(false, std::memory_order_relaxed);
  return std::exchange(waiters_, {});
}

}  // namespace gh::identity
