#include "common/glob.h"

#include <algorithm>

namespace gh {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `p` is lowercase already.
bool equal_ci(std::string_view p, std::string_view s) {
  if (p.size() != s.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != lower(s[i])) return false;
  return true;
}

// Iterative wildcard match with one backtrack point: linear for `*`-only patterns, no
// allocation, no recursion.
bool wildcard_ci(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == lower(s[si]))) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

}  // namespace

std::optional<Glob> Glob::compile(std::string_view text, std::string& why) {
  if (text.empty()) {
    why = "an empty name part";
    return std::nullopt;
  }
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      why = "whitespace in a name pattern";
      return std::nullopt;
    }
    if (c == '[' || c == ']' || c == '{' || c == '}') {
      why = std::string("'") + c + "' is not pattern syntax here (only * and ? are)";
      return std::nullopt;
    }
  }
  Glob g;
  g.pattern_.reserve(text.size());
  for (char c : text) g.pattern_.push_back(lower(c));
  const std::string& p = g.pattern_;
  const size_t stars = static_cast<size_t>(std::count(p.begin(), p.end(), '*'));
  if (!has_wildcard(p)) {
    g.shape_ = Shape::kLiteral;
  } else if (p.find('?') == std::string::npos && stars == p.size()) {
    g.shape_ = Shape::kAny;
  } else if (p.find('?') == std::string::npos && stars == 1 && p.back() == '*') {
    g.shape_ = Shape::kPrefix;
    g.fixed_ = p.substr(0, p.size() - 1);
  } else if (p.find('?') == std::string::npos && stars == 1 && p.front() == '*') {
    g.shape_ = Shape::kSuffix;
    g.fixed_ = p.substr(1);
  } else {
    g.shape_ = Shape::kGeneral;
  }
  return g;
}

bool Glob::matches(std::string_view s) const {
  switch (shape_) {
    case Shape::kLiteral:
      return equal_ci(pattern_, s);
    case Shape::kAny:
      return true;
    case Shape::kPrefix:
      return s.size() >= fixed_.size() && equal_ci(fixed_, s.substr(0, fixed_.size()));
    case Shape::kSuffix:
      return s.size() >= fixed_.size() && equal_ci(fixed_, s.substr(s.size() - fixed_.size()));
    case Shape::kGeneral:
      return wildcard_ci(pattern_, s);
  }
  return false;
}

}  // namespace gh
