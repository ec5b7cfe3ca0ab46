#pragma once

// The mask plan of one result: what happens to each of its columns. The session builds it
// when a RowDescription (or a COPY's shape) fixes the columns; the row and COPY rewriters
// apply it to every row.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "masking/detectors.h"
#include "masking/hash_key.h"
#include "masking/style.h"

namespace gh::masking {

enum class ColumnAction : uint8_t {
  kPass,    // not masked
  kMask,    // a column rule (or lineage from one): every non-NULL value gets the style
  kDetect,  // run the detectors; mask what they find with the style
};

// The wire format of a result column (RowDescription format code 0 or 1).
enum class ValueFormat : uint8_t { kText, kBinary };

struct ColumnMask {
  ColumnAction action = ColumnAction::kPass;
  Style style;  // for a derived column the session passes derived_style(rule's style)
  ValueFormat format = ValueFormat::kText;
  // Whether the column's binary representation is its text (text, varchar, bpchar, name,
  // json, unknown). Binary values of any other type (integers, timestamps, numeric, jsonb,
  // bytea, arrays, records) cannot be rewritten as a look-alike of their type: a masked one
  // becomes NULL, and detectors do not look at them.
  bool text_type = true;
};

struct MaskPlan {
  // Indexed by column. Empty: nothing to mask (rows are only checked and passed).
  std::vector<ColumnMask> columns;
  const HashKey* hash_key = nullptr;       // needed by the hash style; not owned
  const DetectorSet* detectors = nullptr;  // needed by kDetect columns; not owned

  bool masks_anything() const;
};

enum class ValueOutcome : uint8_t {
  kUnchanged,  // nothing appended: send the value as it was
  kValue,      // the masked value was appended to `out`
  kNull,       // the value becomes SQL NULL
};

// Decides and builds the masked form of one non-NULL value of column `col`. A kDetect column
// without a detector set falls back to masking the whole value (fails closed).
ValueOutcome mask_value(const ColumnMask& col, const MaskPlan& plan, std::string_view value,
                        std::string& out);

// The outcome of rewriting one message.
enum class RewriteOutcome : uint8_t {
  kUnchanged,  // nothing masked: forward the original bytes (nothing was appended)
  kRewritten,  // the whole rewritten message (type, length, body) was appended to `out`
};

// Values masked per plan column, for the result's audit record (the session maps columns to
// the rules that asked for them).
class MaskCounts {
 public:
  explicit MaskCounts(size_t columns = 0) : counts_(columns, 0) {}
  void add(size_t column) { ++counts_[column]; }
  const std::vector<uint64_t>& per_column() const { return counts_; }
  uint64_t total() const;
  void reset();

 private:
  std::vector<uint64_t> counts_;
};

}  // namespace gh::masking
