#pragma once

// `gatehouse audit export`: audit records as JSON lines, CSV rows or OCSF events (one
// output line or row per record). docs/audit.md documents the columns and the OCSF mapping.

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/audit_cli.h"
#include "common/status.h"
#include "store/state_store.h"

namespace gh::app {

enum class ExportFormat { kJsonl, kCsv, kOcsf };
std::optional<ExportFormat> parse_export_format(std::string_view name);

// The OCSF schema version the events follow.
inline constexpr std::string_view kOcsfVersion = "1.6.0";

// Who a session belongs to, for the rows of its statements and results.
struct SessionContext {
  std::string principal;
  std::string principal_kind;
  std::vector<std::string> groups;
  std::string connection;
  std::string client;  // ip:port
  std::string user;
  std::string application_name;
  bool tls = false;
};

// Learns sessions from their session.start records; a session that started before the
// exported period is looked up in the store's sessions index (once).
class SessionContexts {
 public:
  explicit SessionContexts(store::StateStore* store) : store_(store) {}
  void observe(const AuditRecord& r);
  // nullptr when the session is unknown to both.
  const SessionContext* find(const std::string& session);
  void forget(const std::string& session) { known_.erase(session); }

 private:
  store::StateStore* store_;
  std::map<std::string, std::optional<SessionContext>> known_;
};

// The OCSF Datastore Activity activity of a statement, from its first SQL keyword
// (comments and parentheses skipped): {activity_id, activity_name}.
std::pair<int, std::string> ocsf_statement_activity(std::string_view sql);

// A result record's outcome: "ok", "error" (it carries a SQLSTATE) or "skipped".
std::string result_outcome(const Json& payload);

// "ip:port" or "[v6]:port" -> {ip, port}; port 0 when there is none.
std::pair<std::string, int> split_client_address(std::string_view client);

// One CSV field per RFC 4180. Text that a spreadsheet would run as a formula (starting
// with = + - @ or a tab/CR) gets a leading apostrophe; the payload column is JSON and
// always starts with '{', so the record itself is never altered.
std::string csv_field(std::string_view text, bool neutralise_formulas = true);

class RecordExporter {
 public:
  RecordExporter(ExportFormat format, std::FILE* out, store::StateStore* store);

  // The CSV header; nothing for the other formats.
  Status begin();
  Status write(const AuditRecord& r);
  // Flushes; Io if anything could not be written.
  Status finish();
  uint64_t written() const { return written_; }

  // The OCSF event of one record (exposed for the evidence bundle and tests).
  Json ocsf_event(const AuditRecord& r);
  std::string csv_row(const AuditRecord& r);

 private:
  Status put(const std::string& line);

  ExportFormat format_;
  std::FILE* out_;
  SessionContexts sessions_;
  // SQL and activity of statements whose result has not been seen yet: (session, n).
  std::map<std::pair<std::string, uint64_t>, std::pair<std::string, std::pair<int, std::string>>>
      pending_;
  uint64_t written_ = 0;
};

}  // namespace gh::app
