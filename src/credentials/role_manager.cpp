#include "credentials/role_manager.h"

#include <array>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "credentials/live_roles.h"
#include "credentials/role_name.h"
#include "credentials/role_statements.h"
#include "credentials/scram_verifier.h"
#include "credentials/sweep_plan.h"
#include "credentials/valid_until.h"

namespace gh::credentials {

namespace {

constexpr size_t kPasswordBytes = 32;
constexpr std::chrono::seconds kMaxTtl{365 * 24 * 3600};
constexpr const char* kDuplicateObject = "42710";

Status with_message(const Status& s, std::string message) {
  switch (s.code()) {
    case Status::Code::kInvalid:
      return Status::Invalid(std::move(message));
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(message));
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(message));
    case Status::Code::kDenied:
      return Status::Denied(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

int64_t unix_now_s() { return unix_now_ns() / 1'000'000'000; }

}  // namespace

RoleManager::RoleManager(AdminTarget admin, std::string instance_id)
    : conn_(std::move(admin)), instance_id_(std::move(instance_id)) {}

RoleManager::~RoleManager() { stop(); }

void RoleManager::start() { worker_.start(); }
void RoleManager::stop() {
  // Queued last, so the admin connection is closed once the queued jobs are done.
  worker_.post([this](JobWorker::Mode mode) {
    if (mode == JobWorker::Mode::kRun) conn_.close();
  });
  worker_.stop();
}

Status RoleManager::with_admin(const std::string& what, const Step& step) {
  auto where = [&](const Status& s) {
    return with_message(s, what + ": " + s.message() + " (connect as " + conn_.describe() + ")");
  };
  if (!worker_.stopping()) unreachable_while_stopping_ = false;  // restarted
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn_.is_open()) {
      if (unreachable_while_stopping_) {
        return where(Status::Unavailable("gatehouse is stopping and the server was unreachable"));
      }
      Status s = conn_.open();
      if (!s.ok()) {
        unreachable_while_stopping_ = worker_.stopping();
        return where(s);
      }
    }
    bool lost = false;
    Status s = step(attempt == 1, lost);
    if (!lost) return s.ok() ? s : where(s);
    conn_.close();
    if (attempt == 1) return where(s);
  }
  return Status::Internal(what);  // not reached
}

void RoleManager::create(std::string session_id, std::string mapped_role, std::chrono::seconds ttl,
                         std::function<void(Result<EphemeralRole>)> done) {
  worker_.post([this, session_id = std::move(session_id), mapped_role = std::move(mapped_role), ttl,
                done = std::move(done)](JobWorker::Mode mode) {
    if (mode == JobWorker::Mode::kRejected) {
      done(Status::Unavailable("cannot create ephemeral role: the role manager is stopped"));
      return;
    }
    done(run_create(session_id, mapped_role, ttl));
  });
}

void RoleManager::drop(std::string role, std::string mapped_role,
                       std::function<void(Status)> done) {
  worker_.post([this, role = std::move(role), mapped_role = std::move(mapped_role),
                done = std::move(done)](JobWorker::Mode mode) {
    if (mode == JobWorker::Mode::kRejected) {
      done(Status::Unavailable("cannot drop ephemeral role " + role +
                               ": the role manager is stopped"));
      return;
    }
    done(run_drop(role, mapped_role));
  });
}

void RoleManager::sweep(std::vector<std::string> live, std::chrono::seconds grace,
                        std::function<void(const std::string& role, const Status&)> on_dropped,
                        std::function<void(size_t dropped)> done) {
  worker_.post([this, live = std::move(live), grace, on_dropped = std::move(on_dropped),
                done = std::move(done)](JobWorker::Mode mode) {
    if (mode == JobWorker::Mode::kRejected) {
      on_dropped("", Status::Unavailable("cannot sweep ephemeral roles: the role manager is "
                                         "stopped"));
      done(0);
      return;
    }
    done(run_sweep(live, grace, on_dropped));
  });
}

Result<EphemeralRole> RoleManager::run_create(const std::string& session_id,
                                              const std::string& mapped_role,
                                              std::chrono::seconds ttl) {
  auto name = ephemeral_role_name(instance_id_, session_id);
  if (!name.ok()) {
    return Status::Invalid("cannot create ephemeral role: " + name.status().message());
  }
  if (ttl.count() <= 0 || ttl > kMaxTtl) {
    return Status::Invalid("cannot create ephemeral role: ttl must be between 1 s and 365 days");
  }
  std::array<uint8_t, kPasswordBytes> secret{};
  crypto::random_bytes(secret);
  EphemeralRole role{*name, crypto::to_hex(secret), unix_now_s() + ttl.count()};
  std::array<uint8_t, kScramSaltBytes> salt{};
  crypto::random_bytes(salt);
  auto verifier = scram_sha256_verifier(role.password, salt);
  if (!verifier.ok()) {
    return Status::Internal("cannot create ephemeral role: " + verifier.status().message());
  }
  auto sql =
      create_role_sql(role.name, *verifier, format_valid_until(role.valid_until_s), mapped_role);
  if (!sql.ok()) return Status::Invalid("cannot create ephemeral role: " + sql.status().message());

  live_roles::add(role.name);  // before the role can exist: see live_roles.h
  Status s = with_admin("cannot create ephemeral role " + role.name, [&](bool retry, bool& lost) {
    SqlOutcome o = conn_.run(sql->c_str());
    // The name is this session's alone: "already exists" after a lost connection means the
    // first attempt's CREATE ROLE (same verifier, same bounds) did commit.
    if (!o.ok && retry && o.sqlstate == kDuplicateObject) return Status::Ok();
    lost = o.connection_lost;
    if (o.ok) return Status::Ok();
    redact_secret(o.message, *verifier);
    redact_secret(o.message, role.password);
    return to_status(o);
  });
  if (!s.ok()) {
    live_roles::remove(role.name);
    return s;
  }
  return role;
}

size_t RoleManager::run_sweep(
    const std::vector<std::string>& live, std::chrono::seconds grace,
    const std::function<void(const std::string&, const Status&)>& on_dropped) {
  std::vector<RoleRow> rows;
  Status listed = with_admin("cannot list ephemeral roles", [&](bool, bool& lost) {
    SqlOutcome o = conn_.run(kSweepCandidatesQuery);
    lost = o.connection_lost;
    if (!o.ok) return to_status(o);
    rows.clear();
    for (auto& r : o.rows) {
      if (r.size() == 2 && r[0]) rows.push_back({std::move(*r[0]), std::move(r[1])});
    }
    return Status::Ok();
  });
  if (!listed.ok()) {
    on_dropped("", listed);
    return 0;
  }
  // Read after the listing, so a role created meanwhile by any manager is already in it.
  std::unordered_set<std::string> keep = live_roles::with({live.begin(), live.end()});
  size_t dropped = 0;
  for (const std::string& role : roles_to_sweep(rows, instance_id_, keep, unix_now_s(), grace)) {
    Status s = run_drop(role, "");
    if (s.ok()) ++dropped;
    on_dropped(role, s);
  }
  return dropped;
}

}  // namespace gh::credentials
