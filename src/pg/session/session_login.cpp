// The login half of a session: who the client is (API key or OIDC token), whether an
// access rule lets it open the connection, and which backend login it gets.

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <ctime>

#include "identity/api_key_principal.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "identity/access.h"
#include "pg/protocol/builders.h"
#include "pg/session/await_callback.h"
#include "pg/session/client_session.h"
#include "pg/session/credential_event.h"
#include "pg/session/message_reader.h"

namespace gh::pg {

namespace {

constexpr std::string_view kApiKeyPrefix = "ghk_";
// A password message holds a token (at most TokenVerifier::kMaxTokenBytes) or an API key.
constexpr uint32_t kMaxPasswordMessage = identity::TokenVerifier::kMaxTokenBytes + 1024;
// Longer ones are skipped up to this size, then refused; beyond it the session just closes.
constexpr uint64_t kMaxDiscardedPassword = uint64_t{4} << 20;

// A compact JWS has exactly two dots; anything else is not a token.
bool looks_like_jwt(std::string_view s) {
  size_t dots = 0;
  for (char c : s) dots += c == '.';
  return dots == 2;
}

}  // namespace

void ClientSession::record_auth_failure(std::string_view reason, std::string_view category) {
  if (audit_ == nullptr) return;
  std::string payload;
  JsonWriter w(payload);
  w.begin_object().field("session", id_).field("client", peer_).field("user", user_);
  if (!database_.empty()) w.field("connection", database_);
  if (authenticated_) append_principal(w, principal_);
  w.field("reason", reason).field("category", category).end_object();
  auto r = audit_->append(audit::RecordType::kAuthFailure, unix_now_ns(), payload);
  if (!r.ok())
    spdlog::error("audit: cannot record an authentication failure: {}", r.status().message());
}

asio::awaitable<void> ClientSession::refuse_login(const char* sqlstate, std::string category,
                                                  std::string message, std::string detail,
                                                  std::string log_reason) {
  gw_.counters().auth_failures.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("session {} from {}: login refused for user \"{}\" ({}): {}", id_, peer_, user_,
               category, log_reason);
  record_auth_failure(log_reason, category);
  co_await fail(sqlstate, std::move(message), std::move(detail));
}

asio::awaitable<bool> ClientSession::authenticate() {
  std::string out;
  build_auth_request(out, auth::kCleartext);
  if (!co_await client_.write_all(out)) co_return false;
  auto m = co_await read_message(client_, client_buf_, kMaxPasswordMessage);
  if (!m.ok()) {
    if (m.status().code() != Status::Code::kCorruption) co_return false;
    std::string_view head = client_buf_.readable();
    uint64_t len = head.size() >= 5 && head[0] == msg::kPassword
                       ? (uint64_t{static_cast<uint8_t>(head[1])} << 24) |
                             (uint64_t{static_cast<uint8_t>(head[2])} << 16) |
                             (uint64_t{static_cast<uint8_t>(head[3])} << 8) |
                             uint64_t{static_cast<uint8_t>(head[4])}
                       : 0;
    if (len > kMaxPasswordMessage && len <= kMaxDiscardedPassword) {
      // A password no token or key can be (a 1 MB "token"): read past it so the client
      // sees the refusal, not a reset connection.
      Status st = co_await discard_bytes(client_, client_buf_, len + 1);
      if (!st.ok()) co_return false;
      std::string why = "the password (" + std::to_string(len - 4) +
                        " bytes) is longer than any token or API key gatehouse accepts";
      co_await refuse_login("28P01", "malformed",
                            "password authentication failed for user \"" + user_ + "\"",
                            "token refused (malformed): " + why, why);
      co_return false;
    }
    std::string why = "invalid password message: " + m.status().message();
    co_await fail("08P01", why);
    co_return false;
  }
  if (m->type != msg::kPassword) {
    co_await fail("08P01", "expected a password message");
    co_return false;
  }
  std::string_view secret = m->body;
  if (secret.empty() || secret.back() != '\0') {
    co_await fail("08P01", "malformed password message");
    co_return false;
  }
  secret.remove_suffix(1);
  bool ok = false;
  if (secret.starts_with(kApiKeyPrefix) || gw_.authenticator() == nullptr ||
      !looks_like_jwt(secret)) {
    ok = co_await authenticate_key(secret);
  } else {
    ok = co_await authenticate_token(secret);
  }
  if (!ok) co_return false;
  authenticated_ = true;
  advance(SessionEvent::kPasswordOk);
  bool allowed = co_await authorize();
  co_return allowed;
}

asio::awaitable<bool> ClientSession::authenticate_key(std::string_view secret) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto key = gw_.store().authenticate_api_key(secret, now);
  if (key.ok()) {
    principal_ = identity::principal_of(key.value());
    co_return true;
  }
  bool unknown = key.status().code() == Status::Code::kNotFound;
  std::string why = unknown ? "unknown API key" : key.status().message();
  std::string category = unknown                                    ? "unknown_key"
                         : why.find("revoked") != std::string::npos ? "revoked"
                         : why.find("expired") != std::string::npos ? "expired"
                                                                    : "invalid";
  std::string detail = unknown ? std::string() : why;
  if (unknown && gw_.authenticator() == nullptr && looks_like_jwt(secret))
    detail = "gatehouse trusts no token issuer; log in with an API key";
  co_await refuse_login("28P01", category,
                        "password authentication failed for user \"" + user_ + "\"", detail, why);
  co_return false;
}

asio::awaitable<bool> ClientSession::authenticate_token(std::string_view token) {
  identity::TokenAuthenticator& auth = *gw_.authenticator();
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  identity::LoginCheck check = auth.check(token, now);
  std::optional<identity::TokenVerdict> verdict = std::move(check.verdict);
  if (!verdict) {
    // No fresh keys for the issuer, or an unknown kid: the fetch thread refreshes its JWKS
    // (rate-limited) while this session waits, then the token is checked once more.
    std::string copy(token);  // the receive buffer is not ours across the wait
    size_t issuer = check.issuer;
    identity::TokenAuthenticator* a = &auth;
    std::function<void(std::function<void(bool)>)> start =
        [a, issuer](std::function<void(bool)> done) {
          a->refresh(issuer, [done = std::move(done)] { done(true); });
        };
    co_await await_callback<bool>(start);
    if (closing_) co_return false;
    now = static_cast<int64_t>(std::time(nullptr));
    verdict.emplace(auth.check_after_refresh(copy, now));
  }
  if (verdict->ok()) {
    principal_ = std::move(*verdict).take_principal();
    principal_.kind = identity::PrincipalKind::kToken;
    co_return true;
  }
  const identity::TokenError& e = verdict->error();
  std::string category(identity::category_name(e.category));
  std::string message = "password authentication failed for user \"" + user_ + "\"";
  std::string detail = "token refused (" + category + "): " + e.message;
  if (e.category == identity::TokenFailure::kIdpUnreachable) {
    message = "authentication failed: " + e.message;
    detail.clear();
  }
  co_await refuse_login("28P01", category, std::move(message), std::move(detail), e.message);
  co_return false;
}

asio::awaitable<bool> ClientSession::authorize() {
  connection_ = gw_.config().find_connection(database_);
  if (connection_ == nullptr) {
    size_t n = gw_.config().connections.size();
    std::string message = "gatehouse has no connection named \"" + database_ + "\"";
    std::string detail = std::to_string(n) + (n == 1 ? " connection is" : " connections are");
    detail += " configured; use its name as the database name";
    co_await refuse_login("3D000", "unknown_connection", std::move(message), std::move(detail),
                          "no connection named \"" + database_ + "\"");
    co_return false;
  }
  // An approved access grant (just-in-time access) comes first: it was asked for this login.
  const int64_t now = unix_now_ns();
  if (gw_.takes_reviews()) {
    if (auto g = gw_.reviews().use_grant(principal_.subject, connection_->name, now)) {
      grant_rule_.connection = connection_->name;
      grant_rule_.principals = {principal_.subject};
      grant_rule_.role = g->role;
      // The session ends when the grant runs out.
      grant_rule_.max_session =
          std::chrono::seconds(std::max<int64_t>(1, (g->grant_expires_ns - now) / 1'000'000'000));
      grant_rule_.where = config::SourceLocation{"access grant " + g->id, 0};
      rule_ = &grant_rule_;
      grant_id_ = g->id;
      spdlog::info("session {}: access grant {} lets {} use {}{}", id_, g->id, principal_.label(),
                   connection_->name, g->role.empty() ? "" : " as " + g->role);
      co_return true;
    }
  }
  rule_ = identity::find_access_rule(gw_.config().access, principal_, connection_->name);
  if (rule_ == nullptr) {
    gw_.counters().access_denied.fetch_add(1, std::memory_order_relaxed);
    std::string message = identity::access_denied_message(principal_, connection_->name);
    co_await refuse_login("28000", "no_access_rule", message, {}, message);
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> ClientSession::choose_login(config::BackendCredential& login) {
  if (connection_->credentials == config::CredentialMode::kStatic) {
    const config::BackendCredential* c = connection_->static_login(rule_->role);
    if (c == nullptr) {  // config validation prevents this; fail closed anyway
      co_await fail("28000", "gatehouse has no login for role \"" + rule_->role + "\"");
      co_return false;
    }
    login = *c;
    co_return true;
  }
  credentials::RoleManager* roles = gw_.role_manager(connection_->name);
  if (roles == nullptr) {
    co_await fail("08001", "ephemeral credentials are not available for connection \"" +
                               connection_->name + "\"");
    co_return false;
  }
  std::chrono::seconds ttl =
      rule_->max_session.count() > 0 ? rule_->max_session : connection_->ephemeral_ttl;
  std::string session = id_;
  std::string role = rule_->role;
  using Created = Result<credentials::EphemeralRole>;
  std::function<void(std::function<void(Created)>)> start =
      [roles, session, role, ttl](std::function<void(Created)> done) {
        roles->create(session, role, ttl, std::move(done));
      };
  Created created = co_await await_callback<Created>(start);
  if (closing_) {
    if (created.ok()) {
      ephemeral_role_ = created->name;
      drop_ephemeral_role();
    }
    co_return false;
  }
  if (!created.ok()) {
    gw_.counters().ephemeral_role_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("session {}: connection \"{}\": {}", id_, connection_->name,
                  created.status().message());
    record_credential_event(audit::RecordType::kCredentialGranted, created.status().message());
    co_await fail("08001",
                  "gatehouse could not create a login on the server of connection \"" +
                      connection_->name + "\"",
                  "see the gatehouse log");
    co_return false;
  }
  gw_.counters().ephemeral_roles_created.fetch_add(1, std::memory_order_relaxed);
  ephemeral_role_ = created->name;
  login.user = created->name;
  login.password = std::move(created->password);
  record_credential_event(audit::RecordType::kCredentialGranted, {});
  co_return true;
}

void ClientSession::record_credential_event(audit::RecordType type, std::string_view error) {
  if (audit_ == nullptr) return;
  CredentialEvent e;
  e.session = id_;
  if (connection_ != nullptr) e.connection = connection_->name;
  e.role = ephemeral_role_;
  if (rule_ != nullptr) e.member_of = rule_->role;
  e.error = error;
  pg::record_credential_event(*audit_, type, e);
}

void ClientSession::drop_ephemeral_role() {
  credentials::RoleManager* roles =
      connection_ != nullptr ? gw_.role_manager(connection_->name) : nullptr;
  if (ephemeral_role_.empty() || roles == nullptr) return;
  // The drop finishes after this session is gone: its record is written on this io
  // thread's stream by a handler that holds only what it needs.
  audit::StreamWriter* writer = audit_;
  GatewayCounters* counters = &gw_.counters();
  asio::any_io_executor ex = client_.socket().get_executor();
  std::string session = id_;
  std::string connection = connection_->name;
  std::string member_of = rule_ != nullptr ? rule_->role : std::string();
  std::string role = std::move(ephemeral_role_);
  ephemeral_role_.clear();
  roles->drop(role, member_of, [=](Status st) {
    asio::post(ex, [=] {
      (st.ok() ? counters->ephemeral_roles_dropped : counters->ephemeral_role_failures)
          .fetch_add(1, std::memory_order_relaxed);
      if (!st.ok()) spdlog::error("session {}: dropping role {}: {}", session, role, st.message());
      if (writer == nullptr) return;
      std::string error = st.ok() ? std::string() : st.message();
      pg::record_credential_event(*writer, audit::RecordType::kCredentialRevoked,
                                  {session, connection, role, member_of, {}, error});
    });
  });
}

void ClientSession::arm_deadline() {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  int64_t deadline = 0;  // unix seconds
  const char* why = nullptr;
  if (principal_.expires_at != 0 &&
      gw_.config().identity.on_token_expiry == config::TokenExpiry::kTerminate) {
    deadline = principal_.expires_at;
    why = principal_.kind == identity::PrincipalKind::kApiKey ? "API key expired" : "token expired";
  }
  if (rule_ != nullptr && rule_->max_session.count() > 0) {
    int64_t max_end = now + rule_->max_session.count();
    if (deadline == 0 || max_end < deadline) {
      deadline = max_end;
      why = "max_session reached";
    }
  }
  if (deadline == 0) return;
  deadline_timer_.expires_after(std::chrono::seconds(std::max<int64_t>(0, deadline - now)));
  deadline_timer_.async_wait([self = shared_from_this(), why](const asio::error_code& ec) {
    if (ec || self->closing_) return;
    std::string message =
        std::string("terminating connection: ") +
        (std::string_view(why) == "max_session reached"
             ? "the session reached its access rule's max_session"
             : std::string("the ") +
                   (std::string_view(why) == "token expired" ? "access token" : "API key") +
                   " of \"" + self->principal_.label() + "\" expired");
    self->terminate("57P01", std::move(message), why);
  });
}

void ClientSession::terminate(const char* sqlstate, std::string message, const char* reason) {
  if (closing_) return;
  gw_.counters().sessions_terminated.fetch_add(1, std::memory_order_relaxed);
  end_reason_ = reason;
  spdlog::info("session {}: ending: {}", id_, message);
  asio::co_spawn(
      client_.socket().get_executor(),
      [self = shared_from_this(), sqlstate, message = std::move(message)]() mutable
      -> asio::awaitable<void> { co_await self->fail(sqlstate, std::move(message)); },
      asio::detached);
}

}  // namespace gh::pg
