#include "sql/nesting_scan.h"

#include <cstring>

namespace gh::sql {

namespace {

constexpr size_t npos = std::string_view::npos;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// scan.l: ident_start [A-Za-z\200-\377_], ident_cont adds [0-9\$], dolq_cont adds [0-9] only.
bool is_ident_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool is_dolq_cont(char c) { return is_ident_start(c) || is_digit(c); }
bool is_ident_cont(char c) { return is_dolq_cont(c) || c == '$'; }
bool is_op_char(char c) { return c != '\0' && std::strchr("~!@#^&|`?+-*/%<>=", c) != nullptr; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool starts(std::string_view s, size_t i, char a, char b) {
  return i + 1 < s.size() && s[i] == a && s[i + 1] == b;
}

size_t skip_line_comment(std::string_view s, size_t i) {
  while (i < s.size() && !is_newline(s[i])) ++i;
  return i;
}

// `/* ... */` comments nest in PostgreSQL. `i` is just past the opening "/*".
size_t skip_block_comment(std::string_view s, size_t i) {
  int depth = 1;
  while (i < s.size()) {
    if (starts(s, i, '/', '*')) {
      ++depth;
      i += 2;
    } else if (starts(s, i, '*', '/')) {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return s.size();
}

// scan.l's {quotecontinue}: after a closing quote, whitespace containing at least one newline
// followed by another quote continues the same literal, in the same mode. libpg_query 15's
// scanner returns comments as tokens, so unlike PostgreSQL's a -- comment there ends the
// literal (and the next quote starts a new one: a syntax error). Returns the index of the
// continuing quote, or npos.
size_t quote_continuation(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f')) ++i;
  if (i >= n || !is_newline(s[i])) return npos;
  while (i < n && is_space(s[i])) ++i;
  return (i < n && s[i] == '\'') ? i : npos;
}

// A '...' literal from just past its opening quote. With `backslash_escapes` (E'...'), a
// backslash escapes the next character, including a quote. Unterminated: the end of the text
// (the parser will refuse it).
size_t skip_string(std::string_view s, size_t i, bool backslash_escapes) {
  const size_t n = s.size();
  for (;;) {
    while (i < n) {
      char c = s[i];
      if (backslash_escapes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (i + 1 < n && s[i + 1] == '\'') {
          i += 2;
        } else {
          break;
        }
      } else {
        ++i;
      }
    }
    if (i >= n) return n;
    size_t next = quote_continuation(s, i + 1);
    if (next == npos) return i + 1;
    i = next + 1;
  }
}

size_t skip_quoted_identifier(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i < n) {
    if (s[i] == '"') {
      if (i + 1 < n && s[i + 1] == '"') {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return n;
}

enum class Word : uint8_t { kPlain, kOperator, kAndOr, kChain, kCase, kEnd };

bool word_is(std::string_view w, std::string_view kw) {
  if (w.size() != kw.size()) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    if (lower(w[i]) != kw[i]) return false;
  }
  return true;
}

Word classify(std::string_view w) {
  if (w.size() < 2 || w.size() > 9) return Word::kPlain;
  static constexpr std::string_view kOperators[] = {
      "not",     "is", "isnull",  "notnull", "like",     "ilike",  "similar",
      "between", "in", "collate", "at",      "overlaps", "escape", "operator"};
  for (auto kw : kOperators) {
    if (word_is(w, kw)) return Word::kOperator;
  }
  if (word_is(w, "and") || word_is(w, "or")) return Word::kAndOr;
  if (word_is(w, "union") || word_is(w, "intersect") || word_is(w, "except") ||
      word_is(w, "join")) {
    return Word::kChain;
  }
  if (word_is(w, "case")) return Word::kCase;
  if (word_is(w, "end")) return Word::kEnd;
  return Word::kPlain;
}

}  // namespace

int NestingScan::estimate(std::string_view s, int limit) {
  levels_.clear();
  levels_.push_back({0, 0, 0, false});
  int deepest = 0;
  // True once the estimate is past the limit: the caller refuses the text, so stop scanning.
  auto note = [&]() {
    const Level& l = levels_.back();
    int here = l.outer + l.expr + l.chain;
    if (here > deepest) deepest = here;
    return deepest > limit;
  };
  auto open = [&](bool is_case) {
    const Level& l = levels_.back();
    levels_.push_back({l.outer + l.expr + l.chain + 1, 0, 0, is_case});
    return note();
  };
  auto close = [&]() {
    if (levels_.size() > 1) levels_.pop_back();
  };

  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (starts(s, i, '-', '-')) {
      i = skip_line_comment(s, i);
    } else if (starts(s, i, '/', '*')) {
      i = skip_block_comment(s, i + 2);
    } else if (c == '\'') {
      i = skip_string(s, i + 1, false);
    } else if (c == '"') {
      i = skip_quoted_identifier(s, i + 1);
    } else if (is_ident_start(c)) {
      const size_t start = i++;
      while (i < n && is_ident_cont(s[i])) ++i;
      if (i - start == 1 && i < n) {
        // One-letter prefixes that open a literal: E'..' (escapes), U&'..', U&".." (the
        // others, B X N, open plain '...' literals, which the next round handles).
        const char p = lower(c);
        if (p == 'e' && s[i] == '\'') {
          i = skip_string(s, i + 1, true);
          continue;
        }
        if (p == 'u' && i + 1 < n && s[i] == '&' && (s[i + 1] == '\'' || s[i + 1] == '"')) {
          i = s[i + 1] == '\'' ? skip_string(s, i + 2, false) : skip_quoted_identifier(s, i + 2);
          continue;
        }
      }
      switch (classify(s.substr(start, i - start))) {
        case Word::kPlain:
          break;
        case Word::kOperator:
          ++levels_.back().expr;
          if (note()) return deepest;
          break;
        case Word::kAndOr:
          levels_.back().expr = 1;
          if (note()) return deepest;
          break;
        case Word::kChain:
          ++levels_.back().chain;
          if (note()) return deepest;
          break;
        case Word::kCase:
          if (open(true)) return deepest;
          break;
        case Word::kEnd:
          // END closes a CASE only; elsewhere it is COMMIT's synonym or a column label.
          if (levels_.back().is_case) close();
          break;
      }
    } else if (is_digit(c) || (c == '.' && i + 1 < n && is_digit(s[i + 1]))) {
      // scan.l: digits, at most one '.', then an exponent; "1..2" is 1, "..", 2.
      while (i < n && is_digit(s[i])) ++i;
      if (i < n && s[i] == '.' && !(i + 1 < n && s[i + 1] == '.')) {
        ++i;
        while (i < n && is_digit(s[i])) ++i;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < n && is_digit(s[j])) {
          i = j;
          while (i < n && is_digit(s[i])) ++i;
        }
      }
    } else if (c == '$') {
      if (i + 1 < n && is_digit(s[i + 1])) {  // $1 parameter
        i += 2;
        while (i < n && is_digit(s[i])) ++i;
        continue;
      }
      size_t j = i + 1;
      if (j < n && is_ident_start(s[j])) {
        ++j;
        while (j < n && is_dolq_cont(s[j])) ++j;
      }
      if (j < n && s[j] == '$') {  // $tag$ ... $tag$: ends at the first identical delimiter
        const std::string_view delim = s.substr(i, j - i + 1);
        const size_t end = s.find(delim, j + 1);
        i = end == npos ? n : end + delim.size();
      } else {
        ++i;  // a lone '$'; what follows is scanned as usual
      }
    } else if (c == '(' || c == '[') {
      ++i;
      if (open(false)) return deepest;
    } else if (c == ')' || c == ']') {
      ++i;
      close();
    } else if (c == ',') {
      ++i;
      levels_.back().expr = 0;
    } else if (c == ';') {
      ++i;
      levels_.back().expr = 0;
      levels_.back().chain = 0;
    } else if (c == ':' && i + 1 < n && s[i + 1] == ':') {
      i += 2;
      ++levels_.back().expr;
      if (note()) return deepest;
    } else if (is_op_char(c)) {
      // An operator ends where a comment starts; trailing + and - may be split off into
      // tokens of their own (scan.l), so each of those counts too.
      const size_t start = i++;
      while (i < n && is_op_char(s[i]) && !starts(s, i, '-', '-') && !starts(s, i, '/', '*')) ++i;
      int tokens = 1;
      for (size_t k = i - 1; k > start && (s[k] == '+' || s[k] == '-'); --k) ++tokens;
      levels_.back().expr += tokens;
      if (note()) return deepest;
    } else {
      ++i;
    }
  }
  return deepest;
}

}  // namespace gh::sql
