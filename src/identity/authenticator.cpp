#include "identity/authenticator.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "identity/base64url.h"
#include "identity/discovery.h"
#include "identity/http_url.h"
#include "identity/json_util.h"

namespace gh::identity {
namespace {

using std::chrono::seconds;

TokenError refuse(TokenFailure f, std::string msg) { return {f, std::move(msg)}; }

std::string shown(std::string_view s) {
  constexpr size_t kMax = 64;  // login errors reach the client and the audit log
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

Status check_issuer(const IssuerConfig& c) {
  const std::string where = "issuer " + c.issuer + ": ";
  if (c.issuer.empty()) return Status::Invalid("an issuer has no \"issuer\" URL");
  if (!c.verifier.issuer.empty() && c.verifier.issuer != c.issuer) {
    return Status::Invalid(where + "the verifier is configured for another issuer");
  }
  // The issuer must be a fetchable URL even with jwks_uri: discovery may be needed and
  // an http issuer off loopback is a misconfiguration either way.
  if (Status s = check_fetchable_url(discovery_url(c.issuer)); !s.ok()) {
    return Status::Invalid(where + s.message());
  }
  if (!c.jwks_uri.empty()) {
    if (Status s = check_fetchable_url(c.jwks_uri); !s.ok()) {
      return Status::Invalid(where + "jwks_uri: " + s.message());
    }
  }
  if (!c.ca_file.empty() && access(c.ca_file.c_str(), R_OK) != 0) {
    return Status::Invalid(where + "ca_file " + c.ca_file + " is not readable");
  }
  if (c.jwks_max_age < seconds(1) || c.jwks_refresh_interval < seconds(1)) {
    return Status::Invalid(where + "jwks_max_age and jwks_refresh_interval must be >= 1 s");
  }
  if (c.jwks_min_refresh_interval < seconds(0)) {
    return Status::Invalid(where + "jwks_min_refresh_interval must not be negative");
  }
  if (c.http_timeout < std::chrono::milliseconds(1) || c.http_timeout > std::chrono::minutes(1)) {
    return Status::Invalid(where + "http_timeout must be between 1 ms and 1 min");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::create(
    std::vector<IssuerConfig> issuers) {
  if (issuers.empty()) return Status::Invalid("token authentication needs at least one issuer");
  std::unique_ptr<TokenAuthenticator> a(new TokenAuthenticator());
  for (IssuerConfig& c : issuers) {
    if (Status s = check_issuer(c); !s.ok()) return s;
    for (const auto& other : a->issuers_) {
      if (other->keys.issuer() == c.issuer) {
        return Status::Invalid("issuer " + c.issuer + " is configured twice");
      }
    }
    c.verifier.issuer = c.issuer;
    auto verifier = TokenVerifier::create(c.verifier);
    if (!verifier.ok()) {
      return Status::Invalid("issuer " + c.issuer + ": " + verifier.status().message());
    }
    a->issuers_.push_back(std::make_unique<Issuer>(std::move(c), std::move(verifier).value()));
  }
  a->next_fetch_.assign(a->issuers_.size(), Clock::time_point{});
  return a;
}

TokenAuthenticator::~TokenAuthenticator() { stop(); }

void TokenAuthenticator::start() {
  std::lock_guard lk(mu_);
  if (running_ || stopped_) return;
  running_ = true;
  std::fill(next_fetch_.begin(), next_fetch_.end(), Clock::now());
  thread_ = std::thread([this] { run(); });
}

void TokenAuthenticator::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopped_) return;
    stopped_ = true;
    wake_cv_.notify_all();
  }
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
  // Nobody is left to run these: answer them so no login waits forever.
  for (auto& issuer : issuers_) {
    for (auto& done : issuer->keys.finish_fetch()) {
      if (done) done();
    }
  }
}

std::variant<size_t, TokenError> TokenAuthenticator::pick_issuer(std::string_view token) const {
  using F = TokenFailure;
  if (token.size() > TokenVerifier::kMaxTokenBytes) {
    return refuse(F::kMalformed, "token is larger than " +
                                     std::to_string(TokenVerifier::kMaxTokenBytes) + " bytes");
  }
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    return refuse(F::kMalformed, "token is not three dot-separated segments");
  }
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return refuse(F::kMalformed, "token segment is not unpadded base64url");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object claims;
  if (parser.parse(payload->data(), payload->size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(claims) != simdjson::SUCCESS) {
    return refuse(F::kMalformed, "token claims is not a JSON object");
  }
  auto iss = json::string_member(claims, "iss");
  if (!iss) return refuse(F::kWrongIssuer, "token has no \"iss\" (issuer) claim");
  for (size_t i = 0; i < issuers_.size(); ++i) {
    if (issuers_[i]->keys.issuer() == *iss) return i;
  }
  return refuse(F::kWrongIssuer, "token issuer " + shown(*iss) + " is not trusted by gatehouse");
}

bool TokenAuthenticator::usable(const KeySnapshot* snap, const IssuerKeys& keys,
                                int64_t now_s) const {
  return snap != nullptr && now_s - snap->fetched_at_s <= keys.config().jwks_max_age.count();
}

LoginCheck TokenAuthenticator::check(std::string_view token, int64_t now_s) const {
  auto picked = pick_issuer(token);
  if (auto* e = std::get_if<TokenError>(&picked)) return {TokenVerdict(std::move(*e)), 0};
  size_t i = std::get<size_t>(picked);
  const Issuer& is = *issuers_[i];
  auto snap = is.keys.snapshot();
  if (!usable(snap.get(), is.keys, now_s)) return {std::nullopt, i};
  TokenVerdict v = is.verifier.verify(token, snap->jwks, now_s);
  if (!v.ok() && v.category() == TokenFailure::kUnknownKey &&
      is.keys.refresh_allowed(Clock::now())) {
    return {std::nullopt, i};
  }
  return {std::move(v), i};
}

TokenVerdict TokenAuthenticator::check_after_refresh(std::string_view token, int64_t now_s) const {
  auto picked = pick_issuer(token);
  if (auto* e = std::get_if<TokenError>(&picked)) return std::move(*e);
  const Issuer& is = *issuers_[std::get<size_t>(picked)];
  auto snap = is.keys.snapshot();
  if (usable(snap.get(), is.keys, now_s)) return is.verifier.verify(token, snap->jwks, now_s);

  FetchState state = is.keys.fetch_state();
  std::string msg = "identity provider " + is.keys.issuer() + " is unreachable and ";
  if (snap) {
    msg += "its cached keys are older than jwks_max_age (" +
           std::to_string(is.keys.config().jwks_max_age.count()) + " s)";
  } else {
    msg += "no keys have been fetched from it yet";
  }
  msg += ": " + (state.last_error.empty() ? std::string("no fetch has been attempted yet")
                                          : state.last_error);
  return TokenError{TokenFailure::kIdpUnreachable, std::move(msg)};
}

void TokenAuthenticator::refresh(size_t issuer, std::function<void()> done) {
  bool answer_now = true;
  if (issuer < issuers_.size()) {
    std::lock_guard lk(mu_);
    if (running_ && !stopped_) {
      switch (issuers_[issuer]->keys.admit_refresh(done, Clock::now())) {
        case IssuerKeys::Admission::kFetch:
          wake_ = true;
          wake_cv_.notify_one();
          answer_now = false;
          break;
        case IssuerKeys::Admission::kJoined:
          counters_.refreshes_coalesced.fetch_add(1, std::memory_order_relaxed);
          answer_now = false;
          break;
        case IssuerKeys::Admission::kRateLimited:
          counters_.refreshes_rate_limited.fetch_add(1, std::memory_order_relaxed);
          break;
      }
    }
  }
  if (answer_now && done) done();
}

Status TokenAuthenticator::fetch_now(size_t issuer) {
  if (issuer >= issuers_.size()) return Status::Invalid("no issuer " + std::to_string(issuer));
  Status s = issuers_[issuer]->keys.fetch(&cancel_);
  record(s);
  return s;
}

void TokenAuthenticator::record(const Status& s) {
  (s.ok() ? counters_.fetches_ok : counters_.fetches_failed)
      .fetch_add(1, std::memory_order_relaxed);
}

void TokenAuthenticator::run() {
  std::unique_lock lk(mu_);
  while (!stopped_) {
    const Clock::time_point now = Clock::now();
    Clock::time_point earliest = Clock::time_point::max();
    std::optional<size_t> due;
    for (size_t i = 0; i < issuers_.size() && !due; ++i) {
      if (issuers_[i]->keys.fetch_pending() || now >= next_fetch_[i]) due = i;
      earliest = std::min(earliest, next_fetch_[i]);
    }
    if (due) {
      lk.unlock();
      fetch_one(*due);
      lk.lock();
      continue;
    }
    wake_cv_.wait_until(lk, earliest, [this] { return stopped_ || wake_; });
    wake_ = false;
  }
}

void TokenAuthenticator::fetch_one(size_t i) {
  IssuerKeys& keys = issuers_[i]->keys;
  const IssuerConfig& c = keys.config();
  keys.begin_fetch();
  Status s = keys.fetch(&cancel_);
  uint32_t failures = keys.fetch_state().consecutive_failures;
  Clock::duration next = c.jwks_refresh_interval;
  if (!s.ok()) {
    // Retry sooner than the refresh interval, backing off: min interval (>= 1 s), x2 ...
    Clock::duration base = std::max<Clock::duration>(c.jwks_min_refresh_interval, seconds(1));
    next = std::min(next, base * (int64_t{1} << std::min<uint32_t>(failures - 1, 16)));
    if ((failures & (failures - 1)) == 0) {  // 1, 2, 4, 8, ...: do not flood the log
      spdlog::warn("identity: fetching the keys of {} failed ({} in a row): {}", keys.issuer(),
                   failures, s.message());
    }
  }
  {
    std::lock_guard lk(mu_);
    next_fetch_[i] = Clock::now() + next;
  }
  auto waiters = keys.finish_fetch();
  record(s);  // after finish_fetch: a counted fetch is over, requests no longer join it
  for (auto& done : waiters) {
    if (done) done();
  }
}

}  // namespace gh::identity
