#include "policy/name_pattern.h"

#include <algorithm>

namespace gh::policy {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Orders lowercase `a` against `b` as if `b` were lowercased too.
int compare_ci(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char cb = lower(b[i]);
    if (a[i] != cb)
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(cb) ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace

std::optional<NamePattern> NamePattern::compile(std::string_view text, std::string& why) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 3) {
    why = "more than three dot-separated parts (catalog.schema.name)";
    return std::nullopt;
  }
  std::optional<Glob> globs[3];
  for (size_t i = 0; i < parts.size(); ++i) {
    globs[i] = Glob::compile(parts[i], why);
    if (!globs[i]) {
      if (parts[i].empty()) why = "an empty part (a dot at the start, at the end or doubled)";
      return std::nullopt;
    }
  }
  NamePattern p(std::string(text), std::move(*globs[parts.size() - 1]));
  if (parts.size() >= 2) p.schema_ = std::move(globs[parts.size() - 2]);
  if (parts.size() == 3) p.catalog_ = std::move(globs[0]);
  return p;
}

bool NamePattern::matches(const sql::QualifiedName& name, SearchPath search_path) const {
  if (!name_.matches(name.name)) return false;
  if (!schema_) return true;
  if (catalog_ && !name.catalog.empty() && !catalog_->matches(name.catalog)) return false;
  if (!name.schema.empty()) return schema_->matches(name.schema);
  if (schema_->matches("pg_catalog")) return true;
  return std::any_of(search_path.begin(), search_path.end(),
                     [&](const std::string& s) { return schema_->matches(s); });
}

void WordSet::add(Glob g) {
  if (!g.is_literal()) {
    globs_.push_back(std::move(g));
    return;
  }
  const std::string& w = g.pattern();
  auto it = std::lower_bound(literal_.begin(), literal_.end(), w);
  if (it == literal_.end() || *it != w) literal_.insert(it, w);
}

bool WordSet::matches(std::string_view word) const {
  size_t lo = 0, hi = literal_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = compare_ci(literal_[mid], word);
    if (c == 0) return true;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  for (const Glob& g : globs_)
    if (g.matches(word)) return true;
  return false;
}

void NameSet::add(NamePattern p) {
  if (p.is_plain_name()) {
    plain_.add(p.name_part());
  } else {
    patterns_.push_back(std::move(p));
  }
}

bool NameSet::matches(const sql::QualifiedName& name, SearchPath search_path) const {
  if (!plain_.empty() && plain_.matches(name.name)) return true;
  for (const NamePattern& p : patterns_)
    if (p.matches(name, search_path)) return true;
  return false;
}

bool NameSet::matches_any(const std::vector<sql::QualifiedName>& names,
                          SearchPath search_path) const {
  for (const auto& n : names)
    if (matches(n, search_path)) return true;
  return false;
}

}  // namespace gh::policy
