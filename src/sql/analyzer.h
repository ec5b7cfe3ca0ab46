#pragma once

// SQL text -> StatementFacts, with libpg_query (PostgreSQL 15's own parser) and a cache by
// exact text, plus one by literal shape for single DML statements whose facts do not depend on
// their literals (literal_shape.h): `... WHERE aid = 17` and `... WHERE aid = 42` parse once.
//
//   sql::Analyzer analyzer;                      // one per io thread
//   const sql::AnalyzedSql& a = analyzer.analyze(query_text);
//   for (const auto& s : a.statements) policy.judge(s, principal);
//
// One Analyzer per thread, used only by that thread: it holds the parse buffers and the cache,
// takes no locks, and libpg_query keeps per-thread memory contexts. It never throws.
//
// Bounds, checked before libpg_query sees the text (it recurses without a stack check, so a
// deep tree would crash it): the length (max_sql_bytes) and the estimated nesting depth
// (max_nesting; see nesting_scan.h). Texts over either bound, texts with a NUL byte, and texts
// the parser refuses are one kUnparseable statement carrying a clear message; the default
// policy blocks them. The walk of the parse tree is bounded too. analyze() needs about 2 MB of
// stack at the default bounds; gatehouse io threads have 8 MB.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sql/statement_facts.h"

namespace gh::sql {

struct AnalyzerOptions {
  size_t max_sql_bytes = size_t{1} << 20;  // 1 MiB
  int max_nesting = 1000;
  size_t cache_entries = 4096;
  size_t cache_bytes = size_t{32} << 20;
  // Longer texts are analyzed every time instead of filling the cache.
  size_t max_cached_sql_bytes = size_t{64} << 10;
  // Facts filed by literal shape (literal_shape.h), for texts that differ only in their
  // literals; 0 turns the shape cache off.
  size_t shape_cache_entries = 1024;
};

// Counters; tests and /metrics read them.
struct AnalyzerStats {
  uint64_t analyzed = 0;  // analyze() calls
  uint64_t cache_hits = 0;   // by exact text or by shape
  uint64_t shape_hits = 0;   // of which by literal shape
  uint64_t parses = 0;       // texts handed to libpg_query
  uint64_t unparseable = 0;  // analyses (not hits) that ended kUnparseable, for any reason
  uint64_t too_long = 0;
  uint64_t too_deep = 0;
  uint64_t cache_evictions = 0;
};

class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options = {});
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // The facts of `sql`. The reference is valid until the next call on this Analyzer; the same
  // text analyzed again while cached returns the same object.
  const AnalyzedSql& analyze(std::string_view sql);

  // The same, as shared ownership: for facts kept beyond the next call (a named prepared
  // statement's facts, kept until it is closed).
  std::shared_ptr<const AnalyzedSql> analyze_shared(std::string_view sql);

  const AnalyzerStats& stats() const;
  size_t cached_entries() const;
  const AnalyzerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh::sql
