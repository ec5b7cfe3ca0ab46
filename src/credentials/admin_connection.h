#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "credentials/admin_target.h"

struct pg_conn;

namespace gh::credentials {

// What one statement did. `connection_lost` means the connection broke under it (the
// statement may or may not have run); `sqlstate`/`message` describe a server error.
struct SqlOutcome {
  bool ok = false;
  bool connection_lost = false;
  std::string sqlstate;
  std::string message;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = SQL NULL
};

// The persistent libpq connection of the role manager's worker thread. Blocking calls only:
// never use it from an io thread.
class AdminConnection {
 public:
  explicit AdminConnection(AdminTarget target);
  ~AdminConnection();
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  bool is_open() const;
  // Connects within target.connect_timeout (TCP, TLS and authentication together), then
  // applies kSessionSetupSql. The error names the target but never the password.
  Status open();
  void close();

  // Text-format query; `params` bind to $1, $2, ... Several statements (no params) run as
  // one implicit transaction.
  SqlOutcome run(const char* sql, const std::vector<std::string>& params = {});

  // "user@host:port/database", for error texts.
  const std::string& describe() const { return description_; }
  // Removes the admin password from a message that might echo it (libpq or server text).
  std::string redact(std::string text) const;

 private:
  AdminTarget target_;
  std::string description_;
  pg_conn* conn_ = nullptr;
};

// A failed outcome as a Status: a lost connection is Unavailable, 42501
// (insufficient_privilege) Denied, 42704 (undefined_object) NotFound, any other Internal.
Status to_status(const SqlOutcome& outcome);

// Replaces every occurrence of `secret` (if non-empty) with "[redacted]".
void redact_secret(std::string& text, std::string_view secret);

}  // namespace gh::credentials
