#pragma once

// Records a session in the audit stream of its io thread: session start/end, and for
// every statement a statement record (before it is forwarded) and a result record.
// If a statement record cannot be written the statement is refused (58030): nothing
// reaches the server unrecorded.

#include <string>
#include <vector>

#include "audit/writer.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "config/config.h"
#include "identity/principal.h"
#include "pg/session/statement_hooks.h"

namespace gh::pg {

struct SessionIdentity {
  std::string session_id;
  identity::Principal principal;
  std::string client;
  bool tls = false;
  std::string connection;
  std::string user;
  std::string application_name;
  std::string access_rule;    // "file:line" of the rule that let the principal in
  std::string backend_role;   // the role the rule names ("" = the connection's login)
  std::string backend_login;  // the user gatehouse logged in to the server as
};

// The "principal" member of session.start and auth.failure records.
void append_principal(JsonWriter& w, const identity::Principal& p);

class SessionRecorder final : public StatementHooks {
 public:
  SessionRecorder(audit::StreamWriter& writer, const config::RecordingConfig& cfg,
                  SessionIdentity identity);

  // The session.start record; false (with the reason in error()) if it could not be
  // written, in which case the session must not start.
  bool record_start(int64_t now_ns);
  void record_end(int64_t now_ns, std::string_view reason, uint64_t statements, uint64_t bytes_in,
                  uint64_t bytes_out, int64_t duration_ms);

  Verdict on_statement(const StatementStart& s) override;
  void on_columns(uint64_t id, const std::vector<ColumnDescription>& c) override;
  void on_row(uint64_t id, std::string_view row) override;
  void on_result(uint64_t id, const ResultSummary& r) override;
  void on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) override;

  // The seq of the last record written (for strict durability).
  uint64_t last_seq() const { return last_seq_; }
  uint64_t start_seq() const { return start_seq_; }
  const std::string& error() const { return error_; }

 private:
  bool append(audit::RecordType type, int64_t now_ns, const std::string& payload);
  void append_params(JsonWriter& w, const BindMessage& bind);

  audit::StreamWriter& writer_;
  const config::RecordingConfig& cfg_;
  SessionIdentity id_;
  uint64_t last_seq_ = 0;
  uint64_t start_seq_ = 0;
  std::string error_;
  std::string payload_;                    // reused
  std::vector<BindParam> params_scratch_;  // reused per statement
  std::vector<uint32_t> truncated_scratch_;

  // The current result of the statement at the front of the response order.
  uint64_t cur_id_ = 0;
  // The columns last described (cur_columns_json_ and cur_binary_ are theirs).
  struct RecordedColumn {
    std::string name;
    uint32_t type_oid = 0;
    int16_t format = 0;
  };
  std::vector<RecordedColumn> cur_columns_;
  std::string cur_columns_json_ = "[]";
  std::vector<std::string> cur_rows_json_;
  std::vector<bool> cur_binary_;  // per column of the current result
};

}  // namespace gh::pg
