#pragma once

// A session's named prepared statements, so that `EXECUTE name` is judged by the statement it
// runs. SQL-level PREPARE and the extended protocol's named Parse share one namespace in
// PostgreSQL, so the session records both here. One per session; not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/statement_facts.h"

namespace gh::policy {

class PreparedStatements {
 public:
  // Applies the PREPARE, DEALLOCATE [ALL] and DISCARD ALL statements of a message the server
  // ran. Call it for messages that were forwarded; a refused PREPARE created nothing.
  void apply(const std::vector<sql::StatementFacts>& message);
  // One top-level statement (for callers that apply statement by statement, e.g. on each
  // CommandComplete).
  void apply(const sql::StatementFacts& top_level);

  // A protocol-level Parse of a named statement (`facts` is its one statement; a shared
  // pointer into the analyzer's cached result avoids a copy) and its Close.
  void remember(std::string name, std::shared_ptr<const sql::StatementFacts> facts);
  void forget(std::string_view name);
  void clear() {
    by_name_.clear();
    ++generation_;
  }
  // Changes whenever the set of statements does: what was judged with it may be judged again.
  uint64_t generation() const { return generation_; }

  // The facts of the statement `name` runs, or null if none was seen.
  const sql::StatementFacts* find(std::string_view name) const;
  size_t size() const { return by_name_.size(); }

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<const sql::StatementFacts>, NameHash,
                     std::equal_to<>>
      by_name_;
  uint64_t generation_ = 0;
};

}  // namespace gh::policy
