#include "masking/copy_rewriter.h"

#include <limits>

namespace gh::masking {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_u32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

}  // namespace

CopyRewriter::CopyRewriter(MaskPlan plan, CopyFormat format)
    : plan_(std::move(plan)),
      format_(std::move(format)),
      active_(plan_.masks_anything()),
      header_pending_(format_.header),
      counts_(plan_.columns.size()) {}

Status CopyRewriter::next_field(std::string_view p, size_t& pos, Field& f, bool& row_end) const {
  const bool csv = format_.kind == CopyFormat::Kind::kCsv;
  const char delim = format_.delimiter, quote = format_.quote, escape = format_.escape;
  f = Field{pos, pos, false, true};
  bool in_quote = false;
  bool quoted = false;
  size_t i = pos;
  while (true) {
    if (i >= p.size()) return Status::Corruption("CopyData ends inside a row");
    const char c = p[i];
    if (csv && in_quote) {
      // An escaped quote (or escape): "" by default, \" with ESCAPE '\'.
      const bool escaped_pair = c == escape && i + 1 < p.size() &&
                                (p[i + 1] == quote || (escape != quote && p[i + 1] == escape));
      if (escaped_pair) {
        i += 2;
      } else {
        if (c == quote) in_quote = false;
        ++i;
      }
      continue;
    }
    if (csv && c == quote) {
      in_quote = quoted = true;
      f.plain = false;
      ++i;
      continue;
    }
    if (!csv && c == '\\') {
      if (i + 1 >= p.size()) return Status::Corruption("CopyData ends inside an escape");
      f.plain = false;
      i += 2;
      continue;
    }
    if (c == delim || c == '\n') {
      row_end = c == '\n';
      f.end = i;
      pos = i + 1;
      break;
    }
    ++i;
  }
  f.null = !quoted && p.substr(f.begin, f.end - f.begin) == format_.null_string;
  return Status::Ok();
}

void CopyRewriter::decode(std::string_view raw, std::string& v) const {
  v.clear();
  if (format_.kind == CopyFormat::Kind::kCsv) {
    const char quote = format_.quote, escape = format_.escape;
    bool in_quote = false;
    for (size_t i = 0; i < raw.size(); ++i) {
      const char c = raw[i];
      if (!in_quote) {
        if (c == quote) {
          in_quote = true;
        } else {
          v.push_back(c);
        }
      } else if (c == escape && i + 1 < raw.size() &&
                 (raw[i + 1] == quote || (escape != quote && raw[i + 1] == escape))) {
        v.push_back(raw[++i]);
      } else if (c == quote) {
        in_quote = false;
      } else {
        v.push_back(c);
      }
    }
    return;
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      v.push_back(raw[i]);
      continue;
    }
    const char c = raw[++i];
    switch (c) {
      case 'b':
        v.push_back('\b');
        break;
      case 'f':
        v.push_back('\f');
        break;
      case 'n':
        v.push_back('\n');
        break;
      case 'r':
        v.push_back('\r');
        break;
      case 't':
        v.push_back('\t');
        break;
      case 'v':
        v.push_back('\v');
        break;
      case 'x': {
        int n = 0, digits = 0;
        while (digits < 2 && i + 1 < raw.size() && hex_value(raw[i + 1]) >= 0) {
          n = n * 16 + hex_value(raw[++i]);
          ++digits;
        }
        v.push_back(digits == 0 ? 'x' : static_cast<char>(n));
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int n = c - '0';
          for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7';
               ++k) {
            n = n * 8 + (raw[++i] - '0');
          }
          v.push_back(static_cast<char>(n & 0xFF));
        } else {
          v.push_back(c);
        }
    }
  }
}

void CopyRewriter::encode(std::string_view value, std::string& out) const {
  const char delim = format_.delimiter;
  if (format_.kind == CopyFormat::Kind::kText) {
    for (char c : value) {
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\v':
          out.append("\\v");
          break;
        default:
          if (c == delim) out.push_back('\\');
          out.push_back(c);
      }
    }
    return;
  }
  const char quote = format_.quote, escape = format_.escape;
  bool needs_quotes = value == format_.null_string || value == "\\.";
  for (char c : value) {
    if (c == delim || c == quote || c == escape || c == '\n' || c == '\r') needs_quotes = true;
  }
  if (!needs_quotes) {
    out.append(value);
    return;
  }
  out.push_back(quote);
  for (char c : value) {
    if (c == quote || c == escape) out.push_back(escape);
    out.push_back(c);
  }
  out.push_back(quote);
}

Result<RewriteOutcome> CopyRewriter::rewrite(std::string_view p, std::string& out) {
  const size_t columns = plan_.columns.size();
  // Check the whole payload first: a malformed one neither counts nor leaves partial output.
  {
    size_t pos = 0;
    bool header = header_pending_;
    while (pos < p.size()) {
      size_t n = 0;
      for (bool row_end = false; !row_end; ++n) {
        Field f;
        Status s = next_field(p, pos, f, row_end);
        if (!s.ok()) return s;
      }
      if (active_ && !header && n != columns) {
        return Status::Corruption("COPY row has " + std::to_string(n) + " fields, the result " +
                                  std::to_string(columns) + " columns");
      }
      header = false;
    }
  }
  if (!active_ || p.empty()) {
    if (!p.empty()) header_pending_ = false;
    return RewriteOutcome::kUnchanged;
  }

  const size_t base = out.size();
  bool rewriting = false;
  size_t copied = 0;
  size_t pos = 0;
  while (pos < p.size()) {
    const bool header = header_pending_;
    header_pending_ = false;
    bool row_end = false;
    for (size_t c = 0; !row_end; ++c) {
      Field f;
      (void)next_field(p, pos, f, row_end);  // checked above
      if (header || f.null || plan_.columns[c].action == ColumnAction::kPass) continue;
      const std::string_view raw = p.substr(f.begin, f.end - f.begin);
      std::string_view value = raw;
      if (!f.plain) {
        decode(raw, value_);
        value = value_;
      }
      masked_.clear();
      const ValueOutcome r = mask_value(plan_.columns[c], plan_, value, masked_);
      if (r == ValueOutcome::kUnchanged) continue;
      counts_.add(c);
      if (!rewriting) {
        rewriting = true;
        out.push_back(kCopyDataType);
        out.append(4, '\0');
      }
      out.append(p.substr(copied, f.begin - copied));
      if (r == ValueOutcome::kNull) {
        out.append(format_.null_string);
      } else {
        encode(masked_, out);
      }
      copied = f.end;
    }
  }
  if (!rewriting) return RewriteOutcome::kUnchanged;
  out.append(p.substr(copied));
  const size_t length = out.size() - base - 1;
  if (length > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    out.resize(base);
    return Status::Invalid("CopyData grows past the largest message size");
  }
  put_u32(out.data() + base + 1, static_cast<uint32_t>(length));
  return RewriteOutcome::kRewritten;
}

}  // namespace gh::masking
