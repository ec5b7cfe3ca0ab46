#include "masking/row_rewriter.h"

#include <cstring>
#include <limits>

namespace gh::masking {

namespace {

int32_t read_i32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int32_t>(v);
}

void put_i32(char* p, int32_t value) {
  const auto v = static_cast<uint32_t>(value);
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

void append_i32(std::string& out, int32_t v) {
  char b[4];
  put_i32(b, v);
  out.append(b, 4);
}

// Walks a DataRow body column by column; `on_value(column, header_offset, value or null)`
// is called for each. Stops with an error at the first malformed byte.
template <typename OnValue>
Status walk(std::string_view body, size_t expected_columns, OnValue&& on_value) {
  if (body.size() < 2) return Status::Corruption("DataRow shorter than its column count");
  const int count = static_cast<int16_t>((static_cast<unsigned char>(body[0]) << 8) |
                                         static_cast<unsigned char>(body[1]));
  if (count < 0) return Status::Corruption("DataRow with a negative column count");
  if (expected_columns != 0 && static_cast<size_t>(count) != expected_columns) {
    return Status::Corruption("DataRow has " + std::to_string(count) + " columns, the result " +
                              std::to_string(expected_columns));
  }
  size_t pos = 2;
  for (int c = 0; c < count; ++c) {
    if (body.size() - pos < 4) return Status::Corruption("DataRow ends inside a column length");
    const int32_t len = read_i32(body.data() + pos);
    const size_t header = pos;
    pos += 4;
    if (len < -1) return Status::Corruption("DataRow column length below -1");
    if (len >= 0 && static_cast<size_t>(len) > body.size() - pos) {
      return Status::Corruption("DataRow column value runs past the end of the message");
    }
    const size_t n = len < 0 ? 0 : static_cast<size_t>(len);
    if (!on_value(static_cast<size_t>(c), header, len < 0, body.substr(pos, n))) {
      return Status::Invalid("DataRow grows past the largest message size");
    }
    pos += n;
  }
  if (pos != body.size()) return Status::Corruption("DataRow has bytes after its last column");
  return Status::Ok();
}

}  // namespace

Result<uint16_t> check_data_row(std::string_view body) {
  uint16_t columns = 0;
  Status s = walk(body, 0, [&](size_t c, size_t, bool, std::string_view) {
    columns = static_cast<uint16_t>(c + 1);
    return true;
  });
  if (!s.ok()) return s;
  return columns;
}

RowRewriter::RowRewriter(MaskPlan plan)
    : plan_(std::move(plan)), active_(plan_.masks_anything()), counts_(plan_.columns.size()) {}

Result<RewriteOutcome> RowRewriter::rewrite(std::string_view body, std::string& out) {
  const size_t base = out.size();
  bool rewriting = false;
  size_t copied = 0;  // body bytes before this offset are in `out` already
  constexpr size_t kMaxMessage = std::numeric_limits<int32_t>::max();

  auto on_value = [&](size_t c, size_t header, bool is_null, std::string_view value) {
    if (is_null) return true;
    const ColumnMask& col = plan_.columns[c];
    if (col.action == ColumnAction::kPass) return true;
    scratch_.clear();
    const ValueOutcome r = mask_value(col, plan_, value, scratch_);
    if (r == ValueOutcome::kUnchanged) return true;
    counts_.add(c);
    if (!rewriting) {
      rewriting = true;
      out.push_back(kDataRowType);
      out.append(4, '\0');  // length, set at the end
    }
    out.append(body.substr(copied, header - copied));
    if (r == ValueOutcome::kNull) {
      append_i32(out, -1);
    } else {
      if (scratch_.size() > kMaxMessage || out.size() - base > kMaxMessage - scratch_.size()) {
        return false;
      }
      append_i32(out, static_cast<int32_t>(scratch_.size()));
      out.append(scratch_);
    }
    copied = header + 4 + value.size();
    return true;
  };

  // Check the whole body before masking anything, so a malformed row neither counts nor
  // leaves partial output behind. That pass also tells whether any value is up for masking
  // at all (masked columns holding only NULLs are common), so such rows cost one walk.
  const size_t expected = active_ ? plan_.columns.size() : 0;
  bool work = false;
  Status s = walk(body, expected, [&](size_t c, size_t, bool is_null, std::string_view) {
    work = work || (active_ && !is_null && plan_.columns[c].action != ColumnAction::kPass);
    return true;
  });
  if (!s.ok()) return s;
  if (!work) return RewriteOutcome::kUnchanged;
  s = walk(body, expected, on_value);
  if (s.ok() && rewriting) {
    out.append(body.substr(copied));
    // Type byte excluded, the length field itself included.
    const size_t length = out.size() - base - 1;
    if (length > kMaxMessage) {
      s = Status::Invalid("DataRow grows past the largest message size");
    } else {
      put_i32(out.data() + base + 1, static_cast<int32_t>(length));
    }
  }
  if (!s.ok()) {
    out.resize(base);
    return s;
  }
  return rewriting ? RewriteOutcome::kRewritten : RewriteOutcome::kUnchanged;
}

}  // namespace gh::masking
