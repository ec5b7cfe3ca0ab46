#include "audit/json.h"

#include <charconv>

namespace gh::audit::json {
namespace {

constexpr size_t kMaxMembers = 64;

// Length of the valid UTF-8 sequence at s[i], or 0 if there is none.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at_end() {
    ws();
    return i_ == s_.size();
  }
  char peek() {
    ws();
    return i_ < s_.size() ? s_[i_] : '\0';
  }

  bool hex4(uint32_t* v) {
    if (s_.size() - i_ < 4) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        return false;
      *v = *v * 16 + d;
    }
    return true;
  }

  bool string(std::string* out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        size_t n = utf8_len(s_, i_);
        if (n == 0) return false;
        out->append(s_.substr(i_, n));
        i_ += n;
        continue;
      }
      if (++i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (s_.substr(i_, 2) != "\\u") return false;
            i_ += 2;
            if (!hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          append_utf8(*out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // A number, true, false or null: its text, checked against the JSON grammar.
  bool scalar(std::string* out) {
    ws();
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(i_, lit.size()) == lit) {
        *out = lit;
        i_ += lit.size();
        return true;
      }
    }
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d;
    };
    size_t int_start = i_;
    size_t nd = digits();
    if (nd == 0 || (nd > 1 && s_[int_start] == '0')) return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return false;
    }
    *out = s_.substr(start, i_ - start);
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

const FlatObject::Member* FlatObject::find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

std::optional<std::string_view> FlatObject::get_string(std::string_view key) const {
  const Member* m = find(key);
  if (m == nullptr || !m->is_string) return std::nullopt;
  return std::string_view(m->value);
}

std::optional<uint64_t> FlatObject::get_u64(std::string_view key) const {
  const Member* m = find(key);
  if (m == nullptr || m->is_string) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(m->value.data(), m->value.data() + m->value.size(), v);
  if (ec != std::errc() || p != m->value.data() + m->value.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> FlatObject::get_i64(std::string_view key) const {
  const Member* m = find(key);
  if (m == nullptr || m->is_string) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(m->value.data(), m->value.data() + m->value.size(), v);
  if (ec != std::errc() || p != m->value.data() + m->value.size()) return std::nullopt;
  return v;
}

std::optional<FlatObject> parse_flat_object(std::string_view text) {
  Parser p(text);
  FlatObject obj;
  if (!p.eat('{')) return std::nullopt;
  if (!p.eat('}')) {
    do {
      FlatObject::Member m;
      if (!p.string(&m.key) || !p.eat(':')) return std::nullopt;
      if (p.peek() == '"') {
        m.is_string = true;
        if (!p.string(&m.value)) return std::nullopt;
      } else if (!p.scalar(&m.value)) {
        return std::nullopt;
      }
      if (obj.find(m.key) != nullptr || obj.members_.size() >= kMaxMembers) return std::nullopt;
      obj.members_.push_back(std::move(m));
    } while (p.eat(','));
    if (!p.eat('}')) return std::nullopt;
  }
  if (!p.at_end()) return std::nullopt;
  return obj;
}

}  // namespace gh::audit::json
