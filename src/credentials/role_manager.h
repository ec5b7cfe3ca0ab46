#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "credentials/admin_connection.h"
#include "credentials/admin_target.h"
#include "credentials/job_worker.h"

namespace gh::credentials {

struct EphemeralRole {
  std::string name;
  std::string password;  // cleartext, for the backend login only; the server holds a verifier
  int64_t valid_until_s = 0;
};

// Short-lived backend login roles, one per client session (`credentials: ephemeral`), made
// and ended through an admin connection. One per gatehouse connection.
//
// Threading: every job runs on one worker thread that owns the libpq admin connection
// (blocking calls; opened lazily, reopened once per job after it broke). create/drop/sweep
// only queue and never block; their callbacks run on the worker thread, in call order.
// Jobs queued before start() wait for it. stop() runs the queued jobs, then joins; once it
// has begun, a job finding the server unreachable fails the remaining ones without another
// connect. A call after stop() gets its callback at once, on the caller's thread, with
// Status::Unavailable. Never call stop() or destroy the manager from a callback.
class RoleManager {
 public:
  // instance_id: this deployment's short lowercase hex id (1-43 digits); an invalid one
  // makes create() fail. Role names are "gh_<instance_id>_<session_id>".
  RoleManager(AdminTarget admin, std::string instance_id);
  ~RoleManager();  // stops the worker
  RoleManager(const RoleManager&) = delete;
  RoleManager& operator=(const RoleManager&) = delete;

  void start();
  void stop();

  // CREATE ROLE <name> LOGIN PASSWORD '<scram verifier>' VALID UNTIL '<now+ttl>' IN ROLE
  // <mapped_role>. session_id: 16 lowercase hex digits. mapped_role is an exact
  // (case-sensitive) role name. ttl: 1 s .. 365 days; it bounds new logins, not sessions.
  void create(std::string session_id, std::string mapped_role, std::chrono::seconds ttl,
              std::function<void(Result<EphemeralRole>)> done);

  // Ends the role: terminates its backends, REASSIGN OWNED BY role TO mapped_role (the
  // role's own group when empty), DROP OWNED BY role, DROP ROLE role. Retries briefly while
  // the server still sees dependent objects or locks. A missing role is Ok. Only names of
  // the form gh_<hex>_<16 hex> are accepted.
  void drop(std::string role, std::string mapped_role, std::function<void(Status)> done);

  // Drops leftovers: this instance's roles that are not in `live` (role names), and any
  // instance's roles whose VALID UNTIL passed more than `grace` ago. Never dropped: roles in
  // `live`, and roles any RoleManager of this process created and has not been asked to drop
  // (live_roles.h), so `live` may be empty. Each drop (and each failure) is reported through
  // on_dropped; a failure to list the roles is reported with an empty role name. Then
  // done(number of roles dropped).
  void sweep(std::vector<std::string> live, std::chrono::seconds grace,
             std::function<void(const std::string& role, const Status&)> on_dropped,
             std::function<void(size_t dropped)> done);

 private:
  // One step of SQL on the admin connection; sets `lost` if the connection broke under it.
  using Step = std::function<Status(bool retry, bool& lost)>;
  // Connects if needed and runs `step`, once more on a fresh connection if it was lost.
  // Errors read "<what>: <reason> (connect as user@host:port/db)".
  Status with_admin(const std::string& what, const Step& step);

  Result<EphemeralRole> run_create(const std::string& session_id, const std::string& mapped_role,
                                   std::chrono::seconds ttl);
  Status run_drop(const std::string& role, const std::string& mapped_role);
  Status end_role(const std::string& role, std::string mapped_role, bool& lost);
  size_t run_sweep(const std::vector<std::string>& live, std::chrono::seconds grace,
                   const std::function<void(const std::string&, const Status&)>& on_dropped);

  // Worker thread only.
  AdminConnection conn_;
  std::string instance_id_;
  bool unreachable_while_stopping_ = false;

  JobWorker worker_;  // last: stopped (joined) first
};

}  // namespace gh::credentials
