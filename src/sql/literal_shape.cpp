#include "sql/literal_shape.h"

#include <cstring>

namespace gh::sql {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// PostgreSQL's ident_start and ident_cont (any byte of a multi-byte character counts).
bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool ident_cont(char c) { return ident_start(c) || is_digit(c) || c == '$'; }
// A dollar-quote tag continues like an identifier, without `$`.
bool tag_cont(char c) { return ident_start(c) || is_digit(c); }

class Scanner {
 public:
  Scanner(std::string_view sql, std::string& out, std::vector<LiteralSpan>* spans)
      : s_(sql), out_(out), spans_(spans) {
    if (spans_ != nullptr) spans_->clear();
  }

  int run() {
    if (std::memchr(s_.data(), kNumberPlaceholder, s_.size()) != nullptr ||
        std::memchr(s_.data(), kStringPlaceholder, s_.size()) != nullptr) {
      return -1;
    }
    out_.clear();
    out_.reserve(s_.size());
    while (i_ < s_.size()) {
      const char c = s_[i_];
      bool ok = true;
      if (c == '-' && peek(1) == '-') {
        line_comment();
      } else if (c == '/' && peek(1) == '*') {
        ok = block_comment();
      } else if (c == '\'') {
        ok = string_literal();
      } else if (c == '"') {
        ok = quoted_identifier();
      } else if (c == '$') {
        ok = dollar();
      } else if (is_digit(c)) {
        ok = number();
      } else if (ident_start(c)) {
        ok = identifier();
      } else {
        out_.push_back(c);
        ++i_;
      }
      if (!ok) return -1;
    }
    return replaced_;
  }

 private:
  char peek(size_t ahead) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }

  void replace(size_t end, char placeholder) {
    if (spans_ != nullptr) spans_->push_back({i_, end, placeholder});
    out_.push_back(placeholder);
    ++replaced_;
    i_ = end;
  }

  void copy_to(size_t end) {
    out_.append(s_.substr(i_, end - i_));
    i_ = end;
  }

  void line_comment() {
    size_t end = i_ + 2;
    while (end < s_.size() && s_[end] != '\n' && s_[end] != '\r') ++end;
    copy_to(end);
  }

  bool block_comment() {  // nested, as PostgreSQL's are
    size_t j = i_ + 2;
    int depth = 1;
    while (j + 1 < s_.size() && depth > 0) {
      if (s_[j] == '/' && s_[j + 1] == '*') {
        ++depth;
        j += 2;
      } else if (s_[j] == '*' && s_[j + 1] == '/') {
        --depth;
        j += 2;
      } else {
        ++j;
      }
    }
    if (depth > 0) return false;
    copy_to(j);
    return true;
  }

  bool string_literal() {
    // E'', B'', X'', N'', U&'' and the like have other rules: no shape.
    if (i_ > 0 && (ident_cont(s_[i_ - 1]) || s_[i_ - 1] == '&')) return false;
    size_t j = i_ + 1;
    while (true) {
      if (j >= s_.size()) return false;
      const char c = s_[j];
      if (c == '\\') return false;  // depends on standard_conforming_strings
      if (c == '\'') {
        if (j + 1 < s_.size() && s_[j + 1] == '\'') {
          j += 2;
          continue;
        }
        break;
      }
      ++j;
    }
    replace(j + 1, kStringPlaceholder);
    return true;
  }

  bool quoted_identifier() {
    size_t j = i_ + 1;
    while (true) {
      if (j >= s_.size()) return false;
      if (s_[j] == '"') {
        if (j + 1 < s_.size() && s_[j + 1] == '"') {
          j += 2;
          continue;
        }
        break;
      }
      ++j;
    }
    copy_to(j + 1);
    return true;
  }

  bool dollar() {
    size_t j = i_ + 1;
    if (j < s_.size() && is_digit(s_[j])) {  // $n parameter
      while (j < s_.size() && is_digit(s_[j])) ++j;
      copy_to(j);
      return true;
    }
    if (j < s_.size() && ident_start(s_[j])) {
      while (j < s_.size() && tag_cont(s_[j])) ++j;
    }
    if (j >= s_.size() || s_[j] != '$') return false;
    const std::string_view tag = s_.substr(i_, j + 1 - i_);  // "$tag$"
    const size_t close = s_.find(tag, j + 1);
    if (close == std::string_view::npos) return false;
    copy_to(close + tag.size());
    return true;
  }

  // A number glued to a name, a dot or a `$` (0x1F, 1_000, .5, 1$$...$$) is lexed by rules the
  // scanner does not copy: no shape.
  bool number() {
    if (i_ > 0 && (ident_cont(s_[i_ - 1]) || s_[i_ - 1] == '.')) return false;
    size_t j = i_;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    if (j + 1 < s_.size() && s_[j] == '.' && is_digit(s_[j + 1])) {
      ++j;
      while (j < s_.size() && is_digit(s_[j])) ++j;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      size_t k = j + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k >= s_.size() || !is_digit(s_[k])) return false;
      while (k < s_.size() && is_digit(s_[k])) ++k;
      j = k;
    }
    if (j < s_.size() && (ident_cont(s_[j]) || s_[j] == '.')) return false;
    replace(j, kNumberPlaceholder);
    return true;
  }

  bool identifier() {
    size_t j = i_ + 1;
    while (j < s_.size() && ident_cont(s_[j])) ++j;
    // U&"..." and U&'...' may be followed by UESCAPE '<c>', a string literal that changes how
    // the name or string before it is decoded: no shape.
    if (j - i_ == 1 && (s_[i_] == 'u' || s_[i_] == 'U') && j < s_.size() && s_[j] == '&')
      return false;
    copy_to(j);
    return j >= s_.size() || s_[j] != '\'';  // a prefixed string: E'...', B'...'
  }

  std::string_view s_;
  std::string& out_;
  std::vector<LiteralSpan>* spans_;
  size_t i_ = 0;
  int replaced_ = 0;
};

}  // namespace

int literal_shape(std::string_view sql, std::string& shape, std::vector<LiteralSpan>* spans) {
  return Scanner(sql, shape, spans).run();
}

}  // namespace gh::sql
