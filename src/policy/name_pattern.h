#pragma once

// Name patterns of guardrail rules: `pg_read_file`, `lo_*`, `billing.*`, `pg_catalog.set_config`.
//
// `*` matches any run of characters and `?` one character. Matching ignores ASCII case:
// `"PG_READ_FILE"` (a quoted, upper-case name) matches `pg_read_file`. A rule can only get
// broader by that, and since the most severe rule wins, a broader match never weakens a block.
//
// Qualification:
// - `name` (no dot) matches the name whatever schema was written, or none: `pg_read_file`
//   matches `pg_read_file`, `pg_catalog.pg_read_file` and `public.pg_read_file`.
// - `schema.name` matches a name written with a matching schema. A name written without a
//   schema could resolve to any schema on the session's search_path, which the policy does
//   not track; it matches when the schema pattern matches `pg_catalog` (always searched
//   first) or a schema of the policy's assumed search path (guardrails.search_path, default
//   [public]).
// - `catalog.schema.name` also requires the catalog when one was written.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.h"
#include "sql/statement_facts.h"

namespace gh::policy {

using gh::Glob;  // common/glob.h

// The schemas an unqualified name may resolve to, besides pg_catalog; lowercased.
using SearchPath = std::span<const std::string>;

// A glob over a qualified name: 1 to 3 dot-separated parts.
class NamePattern {
 public:
  static std::optional<NamePattern> compile(std::string_view text, std::string& why);

  bool matches(const sql::QualifiedName& name, SearchPath search_path) const;
  // The pattern has one part and no wildcard: a plain name, matched by set lookup.
  bool is_plain_name() const { return !schema_ && !catalog_ && name_.is_literal(); }
  const Glob& name_part() const { return name_; }
  const std::string& text() const { return text_; }

 private:
  NamePattern(std::string text, Glob name) : text_(std::move(text)), name_(std::move(name)) {}
  std::string text_;
  Glob name_;
  std::optional<Glob> schema_;
  std::optional<Glob> catalog_;
};

// Globs over single words (setting names, languages, channel and statement names), where a
// dot is an ordinary character (`app.tenant_id`). Literal words are kept sorted and found by
// binary search.
class WordSet {
 public:
  void add(Glob g);
  bool empty() const { return literal_.empty() && globs_.empty(); }
  size_t size() const { return literal_.size() + globs_.size(); }
  bool matches(std::string_view word) const;

 private:
  std::vector<std::string> literal_;  // lowercased, sorted, unique
  std::vector<Glob> globs_;
};

// The patterns of one name condition (`functions: [pg_read_file, lo_*, dblink*]`). Plain
// names go to a WordSet, so a long list of function names costs a few comparisons per name.
class NameSet {
 public:
  void add(NamePattern p);
  bool empty() const { return plain_.empty() && patterns_.empty(); }
  size_t size() const { return plain_.size() + patterns_.size(); }

  bool matches(const sql::QualifiedName& name, SearchPath search_path) const;
  bool matches_any(const std::vector<sql::QualifiedName>& names, SearchPath search_path) const;

 private:
  WordSet plain_;
  std::vector<NamePattern> patterns_;
};

}  // namespace gh::policy
