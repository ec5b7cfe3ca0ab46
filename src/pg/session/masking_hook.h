#pragma once

// The masking hook of a session: it knows which statement each result belongs to (and, for
// FETCH and SQL-level EXECUTE, which DECLARE or PREPARE gave it its rows), builds each
// result's mask plan (masking/result_plan.h) from the columns the server describes, the
// statement's lineage and the catalog, and rewrites every DataRow and COPY row before it
// reaches the client and the recorder.
//
// Laundering: it tells the guardrails (policy::MaskedData, the `copies_masked_data` condition of
// the agent-safe pack's masked-data-copy rule) whether a statement would copy data out of a
// relation with masked columns into a table or a server-side file (CREATE TABLE AS, SELECT
// INTO, INSERT/UPDATE/MERGE reading it, COPY TO a file), where it would no longer be masked.
// Principals a rule exempts (except_groups) are not concerned: the rule does not apply to them.
//
// It reads the catalog through the tracker's internal query (wants_catalog() at an idle
// point), shares it through MaskingState, and reads it again after DDL or when a result names
// a relation it does not know. Refuses (42501) a binary COPY ... TO STDOUT of a statement
// that reads masked data: binary values cannot be rewritten safely.

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "masking/copy_rewriter.h"
#include "masking/result_plan.h"
#include "masking/row_rewriter.h"
#include "pg/session/gateway.h"
#include "pg/session/masking_state.h"
#include "pg/session/result_filter.h"
#include "policy/policy.h"
#include "sql/analyzer.h"

namespace gh::pg {

class MaskingHook final : public ResultFilter,
                          public InternalQuerySink,
                          public policy::MaskedData {
 public:
  MaskingHook(MaskingState& state, MaskingState::ForSession rules, sql::Analyzer& analyzer,
              std::string session_id, std::string connection, std::string database,
              GatewayCounters* counters = nullptr);

  // The catalog must be read before the next statement (none yet, stale, or too old and no
  // fresh shared one to adopt).
  bool wants_catalog(int64_t now_ns);
  static std::string_view catalog_query();
  void on_internal_row(size_t result, std::string_view body) override;
  void on_internal_done(std::string_view sqlstate, std::string_view message) override;

  Verdict on_statement(const StatementStart& s) override;
  bool copies_masked_data(const sql::StatementFacts& f) const override;
  void on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) override;

  bool filtering() const override { return session_.active(); }
  void begin_rows(uint64_t id, const std::vector<ColumnDescription>& columns,
                  const std::string* result_formats, bool unknown) override;
  void begin_copy(uint64_t id, bool binary, uint16_t columns) override;
  RowRewrite rewrite(char type, std::string_view body, std::string& out) override;
  std::string_view finish_result(uint64_t id) override;

 private:
  struct Pending {
    uint64_t id = 0;
    std::shared_ptr<const sql::AnalyzedSql> sql;
    size_t result = 0;      // results delivered so far (a simple Query may have several)
    bool changes_schema = false;
  };
  struct Named {
    std::shared_ptr<const sql::AnalyzedSql> sql;
    size_t index = 0;
  };
  // The facts that describe the rows of `id`'s current result (null: unknown).
  const sql::StatementFacts* facts_for(uint64_t id);
  void plan(std::span<const masking::ResultColumn> columns, const sql::StatementFacts* facts);
  // The statement reads a relation with masked columns, or one the catalog does not know, or a
  // function that may read anything (reads_masked: or detector rules apply).
  bool reads_masked(const sql::StatementFacts& f) const;
  bool reads_masked_columns(const sql::StatementFacts& f) const;

  MaskingState& state_;
  GatewayCounters* counters_;
  masking::SessionMasking session_;
  std::vector<const masking::MaskRule*> column_rules_;
  std::string catalog_key_;
  sql::Analyzer& analyzer_;
  std::string session_id_;
  std::string connection_;
  std::string database_;

  int64_t catalog_read_ns_ = 0;
  bool stale_ = true;
  bool catalog_failed_logged_ = false;
  masking::CatalogSnapshot loading_;

  std::deque<Pending> pending_;
  std::unordered_map<std::string, Named> cursors_;   // DECLARE name CURSOR FOR ...
  std::unordered_map<std::string, Named> prepared_;  // PREPARE name AS ...

  // The current result.
  uint64_t cur_id_ = 0;
  bool cur_unknown_ = false;  // rows of an unknown shape: every value is redacted
  bool cur_copy_ = false;
  bool cur_pass_ = false;  // the plan masks nothing: rows are not looked at
  std::vector<masking::ResultColumn> cur_columns_;
  std::vector<std::string> cur_names_;
  masking::PlannedResult planned_;
  std::optional<masking::RowRewriter> rows_;
  std::optional<masking::CopyRewriter> copy_;
  std::string summary_;
};

}  // namespace gh::pg
