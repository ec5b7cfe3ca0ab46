#include "sql/analyzer.h"

#include <pg_query.h>
#include <simdjson.h>

#include <cstring>
#include <string>

#include "sql/fact_cache.h"
#include "sql/literal_shape.h"
#include "sql/nesting_scan.h"
#include "sql/parse_tree.h"
#include "sql/tree_walk.h"

namespace gh::sql {

namespace {

// JSON levels the tree walk (and simdjson) accept per unit of estimated SQL nesting: the
// deepest construct, a scalar subquery, costs 8 JSON levels per parenthesis.
constexpr int kJsonLevelsPerNesting = 10;
constexpr int kJsonLevelsSlack = 64;
// A parser buffer grown by one huge text is given back rather than kept for the thread's life.
constexpr size_t kKeptBufferBytes = size_t{4} << 20;

std::shared_ptr<AnalyzedSql> unparseable(UnparseableReason reason, std::string message,
                                         int cursor = 0) {
  auto result = std::make_shared<AnalyzedSql>();
  StatementFacts f;
  f.kind = StatementKind::kUnparseable;
  f.error.reason = reason;
  f.error.message = std::move(message);
  f.error.cursor_position = cursor;
  result->statements.push_back(std::move(f));
  return result;
}

// Whether facts may be filed under the text's literal shape, to serve texts that differ only in
// their literals: one DML statement (nested ones too) with no fact taken from a literal's value.
// Kinds other than DML keep literal values as facts (SET values, COPY targets, DDL names).
bool shareable_by_shape(const AnalyzedSql& a) {
  if (!a.parsed() || a.statements.size() != 1) return false;
  bool ok = true;
  for_each_statement(a.statements.front(), [&ok](const StatementFacts& f) {
    switch (f.kind) {
      case StatementKind::kSelect:
      case StatementKind::kInsert:
      case StatementKind::kUpdate:
      case StatementKind::kDelete:
      case StatementKind::kMerge:
        ok = ok && !f.depends_on_literals;
        break;
      default:
        ok = false;
    }
  });
  return ok;
}

size_t approximate_size(const AnalyzedSql& a) {
  size_t n = sizeof(AnalyzedSql);
  for (const auto& s : a.statements) n += approximate_size(s);
  return n;
}

}  // namespace

struct Analyzer::Impl {
  explicit Impl(AnalyzerOptions o)
      : options(o),
        json_depth(o.max_nesting * kJsonLevelsPerNesting + kJsonLevelsSlack),
        cache(o.cache_entries, o.cache_bytes),
        shapes(o.shape_cache_entries, o.cache_bytes / 4),
        walk(json_depth) {
    reset_parser();
  }

  void reset_parser() {
    parser = simdjson::dom::parser();
    // Sets the depth bound; the capacity grows on demand and keeps the depth. A failure here
    // shows again, as an error, on the first parse.
    [[maybe_unused]] auto error = parser.allocate(64 << 10, static_cast<size_t>(json_depth));
  }

  const std::shared_ptr<const AnalyzedSql>& lookup(std::string_view sql);
  std::shared_ptr<AnalyzedSql> analyze_uncached(std::string_view sql);
  std::shared_ptr<AnalyzedSql> facts_from_tree(std::string_view sql, const char* json);

  AnalyzerOptions options;
  int json_depth;
  AnalyzerStats stats;
  FactCache cache;
  FactCache shapes;   // by literal shape
  std::string shape;  // the current text's shape
  NestingScan nesting;
  TreeWalk walk;
  simdjson::dom::parser parser;
  std::string query;  // NUL-terminated copy for libpg_query
  std::shared_ptr<const AnalyzedSql> last;  // the last text analyzed (cached or not)
  // The text looked up last and what it found: the guardrails and the masking hook both ask
  // for each statement, and the second asking costs a compare instead of a hash lookup (or,
  // for a text with literals, a scan for its shape). `recent` points into a cache (valid until
  // its next insert, which only a miss makes, and a miss resets it) or at `last`.
  std::string recent_sql;
  const std::shared_ptr<const AnalyzedSql>* recent = nullptr;
  bool recent_by_shape = false;
};

std::shared_ptr<AnalyzedSql> Analyzer::Impl::analyze_uncached(std::string_view sql) {
  if (sql.find('\0') != std::string_view::npos) {
    return unparseable(UnparseableReason::kNulByte, "SQL text contains a NUL byte");
  }
  if (sql.size() > options.max_sql_bytes) {
    return unparseable(UnparseableReason::kTooLong, "SQL text is " + std::to_string(sql.size()) +
                                                        " bytes, over the limit of " +
                                                        std::to_string(options.max_sql_bytes));
  }
  if (nesting.estimate(sql, options.max_nesting) > options.max_nesting) {
    return unparseable(UnparseableReason::kTooDeep,
                       "SQL nesting (parentheses, CASE, operator chains) is deeper than the "
                       "limit of " +
                           std::to_string(options.max_nesting));
  }
  query.assign(sql);
  ++stats.parses;
  PgQueryParseResult parsed = pg_query_parse(query.c_str());
  std::shared_ptr<AnalyzedSql> result;
  if (parsed.error != nullptr) {
    result = unparseable(UnparseableReason::kSyntax,
                         parsed.error->message ? parsed.error->message : "syntax error",
                         parsed.error->cursorpos);
  } else {
    result = facts_from_tree(sql, parsed.parse_tree ? parsed.parse_tree : "");
  }
  pg_query_free_parse_result(parsed);
  if (query.capacity() > kKeptBufferBytes) std::string().swap(query);
  return result;
}

std::shared_ptr<AnalyzedSql> Analyzer::Impl::facts_from_tree(std::string_view sql,
                                                             const char* json) {
  simdjson::dom::element doc;
  // parse() copies the text into the parser's padded buffer; strings in `doc` live there.
  auto error = parser.parse(json, std::strlen(json)).get(doc);
  std::shared_ptr<AnalyzedSql> result;
  if (error == simdjson::DEPTH_ERROR) {
    result = unparseable(UnparseableReason::kTooDeep, "SQL parse tree is nested too deeply");
  } else if (error) {
    result =
        unparseable(UnparseableReason::kInternal,
                    std::string("SQL parse tree is unreadable: ") + simdjson::error_message(error));
  } else {
    auto facts = std::make_shared<AnalyzedSql>();
    simdjson::dom::array stmts;
    if (doc["stmts"].get_array().get(stmts) == simdjson::SUCCESS) {
      facts->statements.reserve(stmts.size());
      for (simdjson::dom::element entry : stmts) {
        simdjson::dom::object raw;
        simdjson::dom::element node;
        if (entry.get_object().get(raw) != simdjson::SUCCESS || !tree::member(raw, "stmt", node)) {
          facts.reset();
          break;
        }
        StatementFacts f;
        int64_t offset = tree::int_member(raw, "stmt_location");
        int64_t length = tree::int_member(raw, "stmt_len");
        if (offset < 0 || static_cast<size_t>(offset) > sql.size()) offset = 0;
        // stmt_len 0 means "to the end of the text".
        if (length <= 0 || static_cast<size_t>(offset + length) > sql.size()) {
          length = static_cast<int64_t>(sql.size()) - offset;
        }
        f.text_offset = static_cast<uint32_t>(offset);
        f.text_length = static_cast<uint32_t>(length);
        if (!walk.statement(node, f, sql)) {
          facts.reset();
          break;
        }
        facts->statements.push_back(std::move(f));
      }
    }
    if (facts) {
      result = std::move(facts);
    } else if (walk.failed()) {
      result = unparseable(UnparseableReason::kTooDeep, "SQL parse tree is nested too deeply");
    } else {
      result = unparseable(UnparseableReason::kInternal, "SQL parse tree has an unexpected shape");
    }
  }
  if (parser.capacity() > kKeptBufferBytes) reset_parser();
  return result;
}

Analyzer::Analyzer(AnalyzerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Analyzer::~Analyzer() = default;

const std::shared_ptr<const AnalyzedSql>& Analyzer::Impl::lookup(std::string_view sql) {
  ++stats.analyzed;
  if (recent != nullptr && sql == recent_sql && !sql.empty()) {
    ++stats.cache_hits;
    stats.shape_hits += recent_by_shape ? 1 : 0;
    return *recent;
  }
  recent = nullptr;
  recent_by_shape = false;
  // Longer texts are analyzed every time (AnalyzerOptions::max_cached_sql_bytes).
  if (sql.size() <= options.max_cached_sql_bytes) {
    recent_sql.assign(sql);
  } else {
    recent_sql.clear();
  }
  if (const auto* hit = cache.find(sql)) {
    ++stats.cache_hits;
    recent = hit;
    return *hit;
  }
  const int literals = sql.size() <= options.max_cached_sql_bytes && options.shape_cache_entries > 0
                           ? literal_shape(sql, shape)
                           : -1;
  if (literals > 0) {
    if (const auto* hit = shapes.find(shape)) {
      ++stats.cache_hits;
      ++stats.shape_hits;
      recent_by_shape = true;
      recent = hit;
      return *hit;
    }
  }
  std::shared_ptr<AnalyzedSql> fresh = analyze_uncached(sql);
  const bool by_shape = literals > 0 && shareable_by_shape(*fresh);
  if (by_shape) {
    // Served to texts of other lengths too: "the whole text" instead of this text's range.
    fresh->statements.front().text_offset = 0;
    fresh->statements.front().text_length = 0;
  }
  last = std::move(fresh);
  recent = &last;
  recent_by_shape = by_shape;  // asked again, it is found by shape
  if (by_shape) shapes.insert(shape, last, shape.size() + approximate_size(*last));
  if (!last->parsed()) {
    ++stats.unparseable;
    const UnparseableReason reason = last->statements.front().error.reason;
    stats.too_long += reason == UnparseableReason::kTooLong ? 1 : 0;
    stats.too_deep += reason == UnparseableReason::kTooDeep ? 1 : 0;
  }
  // Filed by shape only: a workload of inlined values would otherwise churn the exact cache.
  if (!by_shape && sql.size() <= options.max_cached_sql_bytes) {
    cache.insert(sql, last, sql.size() + approximate_size(*last));
    stats.cache_evictions = cache.evictions();
  }
  return last;
}

const AnalyzedSql& Analyzer::analyze(std::string_view sql) { return *impl_->lookup(sql); }

std::shared_ptr<const AnalyzedSql> Analyzer::analyze_shared(std::string_view sql) {
  return impl_->lookup(sql);
}

const AnalyzerStats& Analyzer::stats() const { return impl_->stats; }
size_t Analyzer::cached_entries() const { return impl_->cache.size() + impl_->shapes.size(); }
const AnalyzerOptions& Analyzer::options() const { return impl_->options; }

}  // namespace gh::sql
