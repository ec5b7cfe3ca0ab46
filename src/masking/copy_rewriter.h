#pragma once

// Applies a MaskPlan to the rows of `COPY ... TO STDOUT` in text or CSV format. (Binary
// COPY of masked columns is refused by the caller: its values cannot be rewritten safely.)
//
// PostgreSQL sends one row per CopyData message; a payload here must hold whole rows (a
// payload ending inside a row is an error, so nothing unmasked slips through a split).
//
// Text format: fields split by the delimiter (tab), a field equal to the null string (\N)
// is NULL, backslash escapes (\t \n \\ \<delimiter> \NNN \xHH ...) are decoded before a
// value is masked and the masked value is escaped the way PostgreSQL escapes output.
// CSV format: fields split by the delimiter (,), quoted with `quote` ("), a quote inside a
// quoted field written as escape+quote ("" by default); an unquoted field equal to the null
// string (empty by default) is NULL, a quoted one never is. A masked value is quoted when
// it contains the delimiter, a quote, the escape or a line break, or equals the null string.
//
// As with DataRows, a payload with nothing to mask is kUnchanged (no copy, no allocation);
// otherwise the whole new CopyData message ('d', int32 length, payload) is appended to
// `out`. The client encoding must be ASCII-compatible (UTF8, LATIN1, ...), as it is for
// PostgreSQL's own COPY parsing.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "masking/plan.h"

namespace gh::masking {

inline constexpr char kCopyDataType = 'd';

struct CopyFormat {
  enum class Kind : uint8_t { kText, kCsv };
  Kind kind = Kind::kText;
  char delimiter = '\t';
  std::string null_string = "\\N";
  char quote = '"';     // CSV only
  char escape = '"';    // CSV only
  bool header = false;  // HEADER: the first row holds column names and is passed as is

  static CopyFormat text() { return {}; }
  static CopyFormat csv() { return {Kind::kCsv, ',', "", '"', '"', false}; }
};

class CopyRewriter {
 public:
  CopyRewriter(MaskPlan plan, CopyFormat format);

  // `payload` is one CopyData message body.
  Result<RewriteOutcome> rewrite(std::string_view payload, std::string& out);

  const MaskCounts& counts() const { return counts_; }
  MaskCounts& counts() { return counts_; }

 private:
  struct Field {
    size_t begin = 0;  // raw bytes in the payload, quotes and escapes included
    size_t end = 0;
    bool null = false;
    bool plain = true;  // the raw bytes are the value (no escapes, no quotes)
  };
  // Reads the field starting at `pos`; sets `row_end` when it is the last of its row.
  Status next_field(std::string_view p, size_t& pos, Field& f, bool& row_end) const;
  void decode(std::string_view raw, std::string& value) const;
  void encode(std::string_view value, std::string& out) const;

  MaskPlan plan_;
  CopyFormat format_;
  bool active_;
  bool header_pending_;
  MaskCounts counts_;
  std::string value_;   // a decoded value
  std::string masked_;  // its masked form
};

}  // namespace gh::masking
