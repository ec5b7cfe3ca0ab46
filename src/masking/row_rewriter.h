#pragma once

// Applies a MaskPlan to DataRow messages.
//
// DataRow body: int16 column count, then per column an int32 length (-1 = NULL) and that
// many bytes. A row whose masked columns are all NULL (or, for detector columns, hold
// nothing sensitive) is kUnchanged: the caller forwards the bytes it already has, and this
// path neither copies nor allocates. Otherwise the whole new message ('D', int32 length,
// body) is appended to the caller's output buffer; only the rewritten values are built,
// the rest is copied in runs.
//
// Every body is checked completely, whatever the plan: a column count that is negative or
// differs from the plan, a length below -1, a value running past the end or bytes after the
// last column give an error status (and nothing appended), never a read out of bounds.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "masking/plan.h"

namespace gh::masking {

inline constexpr char kDataRowType = 'D';

class RowRewriter {
 public:
  explicit RowRewriter(MaskPlan plan);

  // `body` is the DataRow message body (after the type byte and the length).
  Result<RewriteOutcome> rewrite(std::string_view body, std::string& out);

  const MaskPlan& plan() const { return plan_; }
  const MaskCounts& counts() const { return counts_; }
  MaskCounts& counts() { return counts_; }

 private:
  MaskPlan plan_;
  bool active_;  // the plan masks some column
  MaskCounts counts_;
  std::string scratch_;  // one masked value; reused, so steady state does not allocate
};

// Checks a DataRow body the way rewrite() does; the column count on success.
Result<uint16_t> check_data_row(std::string_view body);

}  // namespace gh::masking
