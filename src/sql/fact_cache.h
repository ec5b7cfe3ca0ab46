#pragma once

// Facts of recently seen SQL texts, keyed by the exact text: a repeated statement (prepared
// statements, pgbench, ORM queries) costs a hash and a compare instead of a parse. Least
// recently used entries go first once either bound (entries, bytes) is reached.
//
// Not thread-safe: each io thread owns its Analyzer and with it its cache.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sql/statement_facts.h"

namespace gh::sql {

class FactCache {
 public:
  FactCache(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}
  FactCache(const FactCache&) = delete;
  FactCache& operator=(const FactCache&) = delete;

  // The entry for exactly `sql`, now the most recently used; nullptr if absent. The pointer
  // stays valid until the next insert().
  const std::shared_ptr<const AnalyzedSql>* find(std::string_view sql);

  // Adds (or replaces) the entry for `sql`; `bytes` is its approximate cost. An entry larger
  // than the byte bound is not kept.
  void insert(std::string_view sql, std::shared_ptr<const AnalyzedSql> facts, size_t bytes);

  size_t size() const { return index_.size(); }
  size_t bytes() const { return bytes_; }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string sql;
    std::shared_ptr<const AnalyzedSql> facts;
    size_t bytes;
  };
  void evict_one();

  size_t max_entries_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  uint64_t evictions_ = 0;
  std::list<Entry> lru_;  // front: most recently used; nodes never move, so keys stay valid
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys view Entry::sql
};

}  // namespace gh::sql
