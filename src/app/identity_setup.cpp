#include "app/identity_setup.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unordered_set>

#include "common/clock.h"
#include "common/crypto.h"
#include "credentials/role_name.h"
#include "net/no_throw.h"
#include "pg/session/client_session.h"
#include "pg/session/credential_event.h"

namespace gh::app {

namespace {

// Leftover roles of other deployments are removed only this long after their VALID UNTIL:
// their sessions may still be running.
constexpr std::chrono::seconds kForeignRoleGrace{3600};
constexpr std::chrono::minutes kSweepInterval{10};

identity::IssuerConfig to_issuer_config(const config::Issuer& is) {
  identity::IssuerConfig c;
  c.issuer = is.issuer;
  c.jwks_uri = is.jwks_uri;
  c.ca_file = is.ca_file;
  c.verifier.issuer = is.issuer;
  c.verifier.audiences = is.audiences;
  c.verifier.clock_skew_s = is.clock_skew.count();
  c.verifier.subject_claim = is.subject_claim;
  c.verifier.display_name_claims = is.display_name_claims;
  c.verifier.groups_claim = is.groups_claim;
  c.jwks_max_age = is.jwks_max_age;
  c.jwks_refresh_interval = is.jwks_refresh_interval;
  c.jwks_min_refresh_interval = is.jwks_min_refresh_interval;
  c.http_timeout = is.http_timeout;
  return c;
}

credentials::AdminTarget admin_target(const config::Connection& c) {
  credentials::AdminTarget t;
  t.host = c.host;
  t.port = c.port;
  t.database = c.database;
  t.user = c.login.user;
  t.password = c.login.password;
  t.connect_timeout = c.connect_timeout;
  switch (c.tls.mode) {
    case config::BackendTlsMode::kDisable:
      t.sslmode = "disable";
      break;
    case config::BackendTlsMode::kRequire:
      t.sslmode = "require";
      break;
    case config::BackendTlsMode::kVerifyFull:
      t.sslmode = "verify-full";
      t.sslrootcert = c.tls.ca_file;
      break;
  }
  return t;
}

// credential.revoked for a role the sweeper removed (or failed to), appended on the io
// thread that owns `writer`.
void record_swept(audit::StreamWriter* writer, asio::any_io_executor ex, std::string connection,
                  std::string role, Status st) {
  if (role.empty()) {  // the listing itself failed: nothing was dropped
    spdlog::error("sweeper: connection {}: {}", connection, st.message());
    return;
  }
  if (!st.ok())
    spdlog::error("sweeper: dropping role {}: {}", role, st.message());
  else
    spdlog::info("sweeper: dropped leftover role {} of connection {}", role, connection);
  if (writer == nullptr) return;
  std::string error = st.ok() ? std::string() : st.message();
  asio::post(ex, [writer, connection = std::move(connection), role = std::move(role),
                  error = std::move(error)] {
    pg::record_credential_event(*writer, audit::RecordType::kCredentialRevoked,
                                {{}, connection, role, {}, "sweeper", error});
  });
}

void sweep(credentials::RoleManager& m, const std::string& connection, audit::StreamWriter* writer,
           asio::any_io_executor ex) {
  m.sweep(
      {}, kForeignRoleGrace,
      [writer, ex, connection](const std::string& role, const Status& st) {
        record_swept(writer, ex, connection, role, st);
      },
      [connection](size_t n) {
        if (n > 0)
          spdlog::info("sweeper: connection {}: {} leftover role(s) dropped", connection, n);
      });
}

}  // namespace

Result<std::unique_ptr<identity::TokenAuthenticator>> make_authenticator(
    const config::Config& cfg) {
  if (cfg.identity.issuers.empty()) return std::unique_ptr<identity::TokenAuthenticator>();
  std::vector<identity::IssuerConfig> issuers;
  for (const auto& is : cfg.identity.issuers) issuers.push_back(to_issuer_config(is));
  auto a = identity::TokenAuthenticator::create(std::move(issuers));
  if (!a.ok()) return Status::Invalid("identity: " + a.status().message());
  return std::move(a.value());
}

Result<std::string> load_instance_id(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path p = fs::path(data_dir) / "instance-id";
  std::string id;
  if (std::ifstream in(p); in) std::getline(in, id);
  if (credentials::is_valid_instance_id(id)) return id;
  if (!id.empty())
    return Status::Invalid(p.string() + ": not an instance id (lowercase hex); remove it to " +
                           "create a new one");
  uint8_t b[4];
  crypto::random_bytes(b);
  id = crypto::to_hex(b);
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  std::ofstream out(p, std::ios::trunc);
  out << id << "\n";
  if (!out.flush()) return Status::Io("cannot write " + p.string());
  return id;
}

Result<RoleManagers> start_role_managers(const config::Config& cfg, pg::Gateway& gw,
                                         const std::string& instance_id,
                                         audit::StreamWriter* writer,
                                         asio::any_io_executor writer_ex) {
  RoleManagers out;
  for (const auto& c : cfg.connections) {
    if (c.credentials != config::CredentialMode::kEphemeral) continue;
    auto m = std::make_unique<credentials::RoleManager>(admin_target(c), instance_id);
    m->start();
    gw.set_role_manager(c.name, m.get());
    // Nothing is live yet: every role of this deployment is a leftover of a previous run.
    sweep(*m, c.name, writer, writer_ex);
    out.managers.push_back(std::move(m));
    out.connections.push_back(c.name);
  }
  return out;
}

void sweep_periodically(asio::io_context& main, RoleManagers& roles, audit::StreamWriter* writer,
                        asio::any_io_executor writer_ex) {
  if (roles.managers.empty()) return;
  asio::co_spawn(
      main,
      [&roles, writer, writer_ex]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor);
        while (true) {
          t.expires_after(kSweepInterval);
          auto [ec] = co_await t.async_wait(net::kNoThrow);
          if (ec) co_return;
          for (size_t i = 0; i < roles.managers.size(); ++i)
            sweep(*roles.managers[i], roles.connections[i], writer, writer_ex);
        }
      },
      asio::detached);
}

void watch_revoked_keys(asio::io_context& main, pg::Gateway& gw) {
  asio::co_spawn(
      main,
      [&gw]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor);
        while (true) {
          t.expires_after(gw.config().identity.api_key_check_interval);
          auto [ec] = co_await t.async_wait(net::kNoThrow);
          if (ec) co_return;
          auto keys = gw.store().list_api_keys();
          if (!keys.ok()) {
            spdlog::warn("API key watcher: {}", keys.status().message());
            continue;
          }
          // The whole revoked set every time (not only changes): a session that logged in
          // just before a revocation but registered after a pass is caught by the next one.
          auto revoked = std::make_shared<std::unordered_set<std::string>>();
          for (const auto& k : keys.value())
            if (k.revoked_at) revoked->insert(k.name);
          if (revoked->empty()) continue;
          gw.for_each_session([revoked](pg::ClientSession& s) {
            const identity::Principal& p = s.principal();
            if (p.kind != identity::PrincipalKind::kApiKey || revoked->count(p.subject) == 0)
              return;
            s.terminate("57P01",
                        "terminating connection: API key \"" + p.subject + "\" was revoked",
                        "API key revoked");
          });
        }
      },
      asio::detached);
}

}  // namespace gh::app

namespace gh::app {

namespace {

// Waits until `done` is true or the deadline passes; false on timeout.
bool wait_until(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& done) {
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

void drain_for_shutdown(pg::Gateway& gw, RoleManagers& roles,
                        const std::vector<asio::any_io_executor>& executors,
                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  gw.for_each_session([](pg::ClientSession& s) {
    s.terminate("57P01", "terminating connection: gatehouse is shutting down", "shutdown");
  });
  if (!wait_until(deadline, [&] {
        return gw.counters().sessions_active.load(std::memory_order_relaxed) == 0;
      })) {
    spdlog::warn("shutdown: {} sessions still open after {} ms",
                 gw.counters().sessions_active.load(), timeout.count());
  }
  // Each manager runs its jobs in order: a job queued now finishes after every drop that
  // the closed sessions queued.
  auto pending = std::make_shared<std::atomic<size_t>>(roles.managers.size());
  for (auto& m : roles.managers) {
    m->sweep(
        {}, std::chrono::hours(24 * 365), [](const std::string&, const Status&) {},
        [pending](size_t) { pending->fetch_sub(1); });
  }
  if (!wait_until(deadline, [&] { return pending->load() == 0; }))
    spdlog::warn("shutdown: ephemeral roles still being dropped; the next start sweeps them");
  // The drops' records were posted to the io threads: let each run what it was given.
  auto posted = std::make_shared<std::atomic<size_t>>(executors.size());
  for (const auto& ex : executors) asio::post(ex, [posted] { posted->fetch_sub(1); });
  wait_until(deadline, [&] { return posted->load() == 0; });
}

}  // namespace gh::app
