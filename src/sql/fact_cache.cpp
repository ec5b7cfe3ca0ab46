#include "sql/fact_cache.h"

namespace gh::sql {

const std::shared_ptr<const AnalyzedSql>* FactCache::find(std::string_view sql) {
  auto it = index_.find(sql);
  if (it == index_.end()) return nullptr;
  if (it->second != lru_.begin()) lru_.splice(lru_.begin(), lru_, it->second);
  return &it->second->facts;
}

void FactCache::insert(std::string_view sql, std::shared_ptr<const AnalyzedSql> facts,
                       size_t bytes) {
  if (max_entries_ == 0 || bytes > max_bytes_) return;
  auto it = index_.find(sql);
  if (it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (!lru_.empty() && (index_.size() >= max_entries_ || bytes_ + bytes > max_bytes_)) {
    evict_one();
  }
  lru_.push_front(Entry{std::string(sql), std::move(facts), bytes});
  index_.emplace(std::string_view(lru_.front().sql), lru_.begin());
  bytes_ += bytes;
}

void FactCache::evict_one() {
  Entry& last = lru_.back();
  index_.erase(std::string_view(last.sql));
  bytes_ -= last.bytes;
  lru_.pop_back();
  ++evictions_;
}

}  // namespace gh::sql
