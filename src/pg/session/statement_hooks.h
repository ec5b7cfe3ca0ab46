#pragma once

// The per-statement hook interface. The relay calls these as it matches each
// response to the request that caused it; later features (audit, guardrails,
// masking, review) plug in here. A "statement" is one simple Query message or one
// extended-protocol Execute.

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pg/protocol/messages.h"

namespace gh::pg {

enum class Protocol : uint8_t { kSimple, kExtended };

struct StatementStart {
  uint64_t id = 0;  // per-session sequence, from 1
  Protocol protocol = Protocol::kSimple;
  std::string_view sql;
  std::string_view statement_name;  // extended: the prepared statement ("" = unnamed)
  std::string_view portal_name;     // extended: the portal executed
  // Extended: the Bind that created the portal, when the hooks asked for parameters
  // (wants_parameters); its views live until on_statement returns.
  const BindMessage* bind = nullptr;
  uint32_t max_rows = 0;  // Execute row limit (0 = all)
};

// One result of a statement: a simple Query with several statements has several.
struct ResultSummary {
  uint64_t rows = 0;
  uint64_t bytes = 0;               // DataRow/CopyData bytes sent to the client
  std::string_view command_tag;     // CommandComplete tag; "" otherwise
  std::string_view sqlstate;        // set on error
  std::string_view error_message;
  bool suspended = false;           // Execute stopped at its row limit
  bool empty_query = false;
};

class StatementHooks {
 public:
  virtual ~StatementHooks() = default;

  virtual void on_statement(const StatementStart& s) {}
  // A RowDescription for statement `id`'s current result (only with wants_columns).
  virtual void on_columns(uint64_t id, const std::vector<ColumnDescription>& columns) {}
  // A DataRow body (only with wants_rows).
  virtual void on_row(uint64_t id, std::string_view data_row_body) {}
  virtual void on_result(uint64_t id, const ResultSummary& r) {}
  // The statement is finished (its last result was delivered, or it was skipped after
  // an earlier error in the same pipeline: then `skipped` is true).
  virtual void on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) {}

  bool wants_parameters = false;
  bool wants_columns = false;
  bool wants_rows = false;
};

}  // namespace gh::pg
