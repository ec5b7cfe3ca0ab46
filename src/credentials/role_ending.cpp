// RoleManager's drop path: how an ephemeral role is ended, also for the sweeper.
#include <chrono>
#include <set>
#include <thread>

#include "common/clock.h"
#include "credentials/live_roles.h"
#include "credentials/role_manager.h"
#include "credentials/role_name.h"
#include "credentials/role_statements.h"

namespace gh::credentials {

namespace {

// Terminated backends exit asynchronously; give them this long to leave before the drop.
constexpr int64_t kBackendExitWaitNs = 2'000'000'000;
constexpr auto kBackendPoll = std::chrono::milliseconds(50);
// DROP ROLE attempts while the server reports a transient obstacle.
constexpr int kEndAttempts = 5;
constexpr auto kEndBackoff = std::chrono::milliseconds(100);

// Still in use or locked by an exiting backend: worth another try after a moment.
bool transient(const std::string& sqlstate) {
  static const std::set<std::string> kStates = {
      "2BP01",  // dependent_objects_still_exist
      "55006",  // object_in_use
      "55P03",  // lock_not_available (lock_timeout)
      "40P01",  // deadlock_detected
      "40001",  // serialization_failure
  };
  return kStates.contains(sqlstate);
}

}  // namespace

Status RoleManager::run_drop(const std::string& role, const std::string& mapped_role) {
  if (!parse_ephemeral_role_name(role)) {
    return Status::Invalid("refusing to drop role \"" + role +
                           "\": not a gatehouse ephemeral role name");
  }
  Status s = with_admin("cannot drop ephemeral role " + role,
                        [&](bool, bool& lost) { return end_role(role, mapped_role, lost); });
  // Ended or not, the session is over: if the drop failed, the role is a leftover the
  // sweeper may take.
  live_roles::remove(role);
  return s;
}

Status RoleManager::end_role(const std::string& role, std::string mapped_role, bool& lost) {
  auto run = [&](const char* sql, const std::vector<std::string>& params, SqlOutcome& o) {
    o = conn_.run(sql, params);
    lost = o.connection_lost;
    return o.ok;
  };
  SqlOutcome o;
  if (!run(kRoleStateQuery, {role}, o)) return to_status(o);
  if (o.rows.empty()) return Status::Ok();  // already gone: drop is idempotent

  // A CREATEROLE admin lacks the role's privileges; the membership lasts until DROP ROLE.
  if (o.rows[0].empty() || o.rows[0][0] != "t") {
    auto grant = grant_role_to_admin_sql(role);
    if (!grant.ok()) return grant.status();
    if (!run(grant->c_str(), {}, o)) return to_status(o);
  }

  if (mapped_role.empty()) {
    if (!run(kMemberOfQuery, {role}, o)) return to_status(o);
    // Exactly one group for roles made by create(); otherwise objects go to the admin.
    if (o.rows.size() == 1 && !o.rows[0].empty() && o.rows[0][0]) mapped_role = *o.rows[0][0];
  }
  auto end_sql = end_role_sql(role, mapped_role);
  if (!end_sql.ok()) return end_sql.status();

  for (int attempt = 1;; ++attempt) {
    if (!run(kTerminateBackendsQuery, {role}, o)) return to_status(o);
    int64_t deadline = steady_now_ns() + kBackendExitWaitNs;
    for (;;) {
      if (!run(kCountBackendsQuery, {role}, o)) return to_status(o);
      bool none = !o.rows.empty() && !o.rows[0].empty() && o.rows[0][0] == "0";
      if (none || steady_now_ns() > deadline) break;
      std::this_thread::sleep_for(kBackendPoll);
    }
    if (run(end_sql->c_str(), {}, o)) return Status::Ok();
    if (lost) return to_status(o);
    if (o.sqlstate == "42704") {  // undefined_object: gone meanwhile, or the mapped role is
      SqlOutcome check;
      if (run(kRoleStateQuery, {role}, check) && check.rows.empty()) return Status::Ok();
      return to_status(o);
    }
    if (!transient(o.sqlstate) || attempt == kEndAttempts) return to_status(o);
    std::this_thread::sleep_for(kEndBackoff * attempt);
  }
}

}  // namespace gh::credentials
