#include "identity/api_key_principal.h"
#include "admin/bearer_auth.h"

#include <strings.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "identity/jwt.h"

namespace gh::admin {

namespace {

constexpr std::string_view kApiKeyPrefix = "ghk_";

bool looks_like_jwt(std::string_view s) {
  size_t dots = 0;
  for (char c : s) dots += c == '.';
  return dots == 2;
}

// Token characters: base64url, '.', and the API key alphabet; nothing that could be a
// second header or whitespace.
bool is_token_text(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

// A refresh callback may run after the waiter gave up: it only touches this shared state.
struct RefreshWait {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

}  // namespace

Result<identity::Principal> BearerAuthenticator::authenticate(const std::string* authorization,
                                                              int64_t now_s) const {
  if (authorization == nullptr)
    return Status::Denied("an Authorization: Bearer <token> header is required");
  std::string_view v = *authorization;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size() || strncasecmp(v.data(), kScheme.data(), kScheme.size()) != 0)
    return Status::Denied("the Authorization header must be 'Bearer <token>'");
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.empty()) return Status::Denied("the bearer token is empty");
  if (v.size() > identity::TokenVerifier::kMaxTokenBytes)
    return Status::Denied("the bearer token is longer than any token or API key gatehouse "
                          "accepts");
  if (!is_token_text(v)) return Status::Denied("the bearer token contains invalid characters");
  if (v.starts_with(kApiKeyPrefix) || tokens_ == nullptr || !looks_like_jwt(v))
    return check_key(v, now_s);
  return check_token(v, now_s);
}

Result<identity::Principal> BearerAuthenticator::check_key(std::string_view key,
                                                           int64_t now_s) const {
  auto k = store_.authenticate_api_key(key, now_s);
  if (k.ok()) return identity::principal_of(k.value());
  if (k.status().code() == Status::Code::kNotFound) {
    if (tokens_ == nullptr && looks_like_jwt(key))
      return Status::Denied("gatehouse trusts no token issuer; use an API key");
    return Status::Denied("unknown API key");
  }
  if (k.status().code() == Status::Code::kDenied) return Status::Denied(k.status().message());
  return Status::Unavailable("cannot check the API key: " + k.status().message());
}

Result<identity::Principal> BearerAuthenticator::check_token(std::string_view token,
                                                             int64_t now_s) const {
  identity::LoginCheck check = tokens_->check(token, now_s);
  std::optional<identity::TokenVerdict> verdict = std::move(check.verdict);
  if (!verdict) {
    auto wait = std::make_shared<RefreshWait>();
    tokens_->refresh(check.issuer, [wait] {
      std::lock_guard lk(wait->mu);
      wait->done = true;
      wait->cv.notify_all();
    });
    {
      std::unique_lock lk(wait->mu);
      wait->cv.wait_for(lk, refresh_wait_, [&] { return wait->done; });
    }
    verdict.emplace(tokens_->check_after_refresh(token, now_s));
  }
  if (verdict->ok()) {
    identity::Principal p = std::move(*verdict).take_principal();
    p.kind = identity::PrincipalKind::kToken;
    return p;
  }
  const identity::TokenError& e = verdict->error();
  std::string what = "token refused (" + std::string(identity::category_name(e.category)) +
                     "): " + e.message;
  if (e.category == identity::TokenFailure::kIdpUnreachable) return Status::Unavailable(what);
  return Status::Denied(what);
}

}  // namespace gh::admin
