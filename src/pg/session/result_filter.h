#pragma once

// What the request tracker asks of a result filter (the masking hook): it sees each result's
// shape before its rows, and may rewrite every DataRow and COPY row before it reaches the
// client and the other hooks (so recorded rows are the rewritten ones). It is also a hook in
// the session's chain, which gives it each statement's SQL first.
//
// And a query of the gateway's own (TrackResult: RequestTracker::start_internal_query), whose
// responses go to an InternalQuerySink and never reach the client: the masking hook reads the
// server's catalog this way.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pg/protocol/messages.h"
#include "pg/session/statement_hooks.h"

namespace gh::pg {

enum class RowRewrite : uint8_t {
  kUnchanged,  // forward the message as it is
  kRewritten,  // the whole new message was appended to the output
  kFailed,     // the row cannot be checked or rewritten: end the session (fail closed)
};

class ResultFilter : public StatementHooks {
 public:
  // Whether rows must be looked at at all (false: the tracker skips every call below).
  virtual bool filtering() const = 0;
  // A result of statement `id` begins with these columns. `result_formats`: an Execute's
  // Bind result-format codes (raw int16s, `format_count` of them) which override the
  // columns' own format codes (a statement's Describe reports text for all); null for a
  // simple Query's RowDescription. `columns` empty with `unknown` set: the shape is unknown.
  virtual void begin_rows(uint64_t id, const std::vector<ColumnDescription>& columns,
                          const std::string* result_formats, bool unknown) = 0;
  // COPY ... TO STDOUT of statement `id` begins (CopyOutResponse): binary or text/CSV, with
  // this many columns.
  virtual void begin_copy(uint64_t id, bool binary, uint16_t columns) = 0;
  // A DataRow ('D') or CopyData ('d') body of the current result.
  virtual RowRewrite rewrite(char type, std::string_view body, std::string& out) = 0;
  // The current result of `id` ended: the masking summary for its record (a JSON array,
  // empty when nothing was masked), valid until the next call.
  virtual std::string_view finish_result(uint64_t id) = 0;
};

class InternalQuerySink {
 public:
  virtual ~InternalQuerySink() = default;
  // A row of the query's `result`-th result (0-based; one per statement of the query).
  virtual void on_internal_row(size_t result, std::string_view data_row_body) = 0;
  // The query ended (ReadyForQuery); `sqlstate` is set if it failed.
  virtual void on_internal_done(std::string_view sqlstate, std::string_view message) = 0;
};

}  // namespace gh::pg
