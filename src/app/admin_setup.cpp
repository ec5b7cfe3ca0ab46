#include "app/admin_setup.h"

#include <asio/post.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "app/audit_time.h"
#include "app/evidence_bundle.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "pg/session/guardrails.h"
#include "sql/analyzer.h"

namespace gh::app {

namespace {

constexpr auto kIoAnswerTimeout = std::chrono::seconds(1);

// The io threads' answers; shared, so an answer after the wait gave up touches nothing dead.
struct AuditProbe {
  std::mutex mu;
  std::condition_variable cv;
  size_t answered = 0;
  std::vector<std::string> problems;  // by io thread, "" = healthy
  std::vector<bool> seen;
};

// Whether an access grant of `role` on `connection` may be asked for: the connection exists
// and the role is one the config already lets gatehouse log in as there (a `roles:` entry or
// the connection's own login in static mode; a role an access rule names in ephemeral mode),
// so a grant never reaches a server role the operator did not set up for gatehouse.
std::string grantable(const config::Config& cfg, const std::string& connection,
                      const std::string& role) {
  const config::Connection* c = cfg.find_connection(connection);
  if (c == nullptr) return "no connection named \"" + connection + "\"";
  if (c->credentials == config::CredentialMode::kStatic) {
    if (c->static_login(role) == nullptr)
      return "connection \"" + connection + "\" has no login for role \"" + role +
             "\" (its roles: entries, or its own login)";
    return {};
  }
  if (role.empty()) return {};
  for (const config::AccessRule& r : cfg.access)
    if (r.connection == connection && r.role == role) return {};
  return "no access rule of connection \"" + connection + "\" names role \"" + role + "\"";
}

// The bundle `gatehouse evidence` would write, built in a private temporary folder and sent
// as one tar archive. The config is read again from its file, as the CLI reads it.
Result<std::string> evidence_tar(const std::string& config_path, const std::string& since,
                                 const std::string& until) {
  const int64_t now = now_unix_ns();
  auto from = parse_time_arg(since, now);
  if (!from.ok()) return Status::Invalid("since: " + from.status().message());
  auto to = parse_time_arg(until, now);
  if (!to.ok()) return Status::Invalid("until: " + to.status().message());
  if (*to <= *from) return Status::Invalid("until must be after since");
  auto env = load_audit_env(config_path);
  if (!env.ok()) return Status::Io(env.status().message());
  std::array<uint8_t, 8> rnd{};
  crypto::random_bytes(rnd);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("gatehouse-evidence-" + crypto::to_hex(rnd));
  auto bundle = write_evidence_bundle(env.value(), Period{*from, *to}, dir);
  Result<std::string> tar = bundle.ok() ? tar_folder(dir, "gatehouse-evidence")
                                        : Result<std::string>(bundle.status());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return tar;
}

}  // namespace

std::string Readiness::why_not_ready() const {
  if (stopping_.load()) return "gatehouse is shutting down";
  if (!listening_.load()) return "the proxy is not listening yet";
  auto probe = std::make_shared<AuditProbe>();
  probe->problems.resize(writers_.size());
  probe->seen.resize(writers_.size());
  for (size_t i = 0; i < writers_.size() && i < io_.size(); ++i) {
    audit::StreamWriter* w = writers_[i];
    asio::post(io_[i], [probe, w, i] {
      std::string problem = w->healthy() ? std::string() : w->last_error();
      if (!w->healthy() && problem.empty()) problem = "unhealthy";
      std::lock_guard lk(probe->mu);
      probe->problems[i] = std::move(problem);
      probe->seen[i] = true;
      ++probe->answered;
      probe->cv.notify_all();
    });
  }
  std::unique_lock lk(probe->mu);
  size_t want = std::min(writers_.size(), io_.size());
  probe->cv.wait_for(lk, kIoAnswerTimeout, [&] { return probe->answered == want; });
  for (size_t i = 0; i < want; ++i) {
    if (!probe->seen[i])
      return "io thread " + std::to_string(i) + " did not answer within 1s";
    if (!probe->problems[i].empty())
      return "audit stream " + std::to_string(i) + " cannot be written: " + probe->problems[i];
  }
  return {};
}

Result<AdminApi> bind_admin_api(const config::Config& cfg, pg::Gateway& gw,
                                identity::TokenAuthenticator* tokens,
                                std::vector<audit::StreamWriter*> writers,
                                std::vector<asio::any_io_executor> io) {
  AdminApi api;
  const bool can_record = !writers.empty() && !io.empty();
  audit::StreamWriter* record_writer = can_record ? writers[0] : nullptr;
  asio::any_io_executor record_ex = can_record ? io[0] : asio::any_io_executor{};
  api.readiness = std::make_unique<Readiness>(writers, std::move(io));
  api.auth = std::make_unique<admin::BearerAuthenticator>(gw.store(), tokens);
  admin::RouterDeps deps;
  deps.roles = cfg.admin->roles;
  deps.auth = api.auth.get();
  deps.store = &gw.store();
  deps.policy = [&gw] {
    auto [policy, hash] = gw.policy().current();
    return admin::PolicyInForce{std::move(policy), std::move(hash)};
  };
  deps.readiness = [r = api.readiness.get()] { return r->why_not_ready(); };
  deps.metrics.gateway = &gw.counters();
  deps.metrics.audit_writers.assign(writers.begin(), writers.end());
  deps.reviews = &gw.reviews();
  deps.check_grant = [&gw](const std::string& connection, const std::string& role) {
    return grantable(gw.config(), connection, role);
  };
  deps.grants.max_duration = cfg.review.max_grant;
  deps.grants.approver_groups = cfg.review.grant_approvers;
  deps.grants.decide_within = cfg.review.timeout;
  deps.evidence = [config_path = cfg.path](const std::string& since, const std::string& until) {
    return evidence_tar(config_path, since, until);
  };
  // Edits are judged on the admin threads with an analyzer of their own (one at a time).
  auto edit_analyzer = std::make_shared<sql::Analyzer>();
  auto edit_mu = std::make_shared<std::mutex>();
  deps.check_edit = [&gw, edit_analyzer, edit_mu](const review::Request& r, std::string_view sql) {
    std::lock_guard lock(*edit_mu);
    return pg::check_review_edit(gw.policy(), *edit_analyzer, r, sql);
  };
  deps.metrics.tokens = tokens != nullptr ? &tokens->counters() : nullptr;
  // Each /api/ request is an admin.request record on io thread 0's stream (that thread owns
  // the writer); the admin thread waits for the append, at most 5 s.
  if (can_record) {
    deps.record_request = [writer = record_writer, ex = record_ex](std::string payload) {
      auto done = std::make_shared<std::promise<bool>>();
      std::future<bool> ok = done->get_future();
      asio::post(ex, [writer, done, payload = std::move(payload)] {
        done->set_value(
            writer->append(audit::RecordType::kAdminRequest, unix_now_ns(), payload).ok());
      });
      return ok.wait_for(std::chrono::seconds(5)) == std::future_status::ready && ok.get();
    };
  }
  api.router = std::make_unique<admin::Router>(std::move(deps));
  auto server = admin::AdminServer::bind(*cfg.admin, *api.router);
  if (!server.ok()) return server.status();
  api.server = std::move(server.value());
  return api;
}

}  // namespace gh::app
