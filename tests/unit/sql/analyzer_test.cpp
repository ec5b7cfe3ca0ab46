// The Analyzer around the facts: bounds checked before parsing, unparseable input as a fact with
// a clear message, the per-thread cache and its counters.

#include "sql/analyzer.h"

#include <pthread.h>

#include <string>

#include "sql/fact_cache.h"
#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::HasSubstr;

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const StatementFacts& only(const AnalyzedSql& a) {
  EXPECT_EQ(a.statements.size(), 1u);
  return a.statements.at(0);
}

TEST(Analyzer, SyntaxErrorsAreUnparseableWithTheParsersMessage) {
  Analyzer analyzer;
  const AnalyzedSql& a = analyzer.analyze("select * form t");
  EXPECT_FALSE(a.parsed());
  const auto& f = only(a);
  EXPECT_EQ(f.kind, StatementKind::kUnparseable);
  EXPECT_EQ(f.error.reason, UnparseableReason::kSyntax);
  EXPECT_EQ(f.error.message, "syntax error at or near \"form\"");
  EXPECT_EQ(f.error.cursor_position, 10);
  // One bad statement makes the whole message unparseable: PostgreSQL would not run any of it.
  EXPECT_FALSE(analyzer.analyze("select 1; delete from t whre x").parsed());
  EXPECT_EQ(analyzer.stats().unparseable, 2u);
  EXPECT_EQ(only(analyzer.analyze("select 'unterminated")).error.message,
            "unterminated quoted string at or near \"'unterminated\"");
}

TEST(Analyzer, TenThousandParenthesesAreRefusedBeforeParsing) {
  Analyzer analyzer;
  const std::string sql = "select " + repeat("(", 10000) + "1" + repeat(")", 10000);
  const auto& f = only(analyzer.analyze(sql));
  EXPECT_EQ(f.kind, StatementKind::kUnparseable);
  EXPECT_EQ(f.error.reason, UnparseableReason::kTooDeep);
  EXPECT_THAT(f.error.message, HasSubstr("deeper than the limit of 1000"));
  EXPECT_EQ(analyzer.stats().too_deep, 1u);
  EXPECT_EQ(analyzer.stats().parses, 0u);
}

TEST(Analyzer, LongOperatorChainsAreRefusedBeforeParsing) {
  // No parentheses at all, yet 100k of these overflow libpg_query's stack when it prints the tree.
  Analyzer analyzer;
  const auto& f = only(analyzer.analyze("select 1" + repeat("+1", 100000)));
  EXPECT_EQ(f.error.reason, UnparseableReason::kTooDeep);
  EXPECT_EQ(only(analyzer.analyze(repeat("select 1 union ", 5000) + "select 1")).error.reason,
            UnparseableReason::kTooDeep);
  EXPECT_EQ(only(analyzer.analyze("select " + repeat("not ", 5000) + "true")).error.reason,
            UnparseableReason::kTooDeep);
  EXPECT_EQ(analyzer.stats().parses, 0u);
}

TEST(Analyzer, TwoMegabytesAreRefusedBeforeParsing) {
  Analyzer analyzer;
  const std::string sql = "select '" + std::string(2 << 20, 'x') + "'";
  const auto& f = only(analyzer.analyze(sql));
  EXPECT_EQ(f.error.reason, UnparseableReason::kTooLong);
  EXPECT_THAT(f.error.message, HasSubstr("over the limit of 1048576"));
  EXPECT_EQ(analyzer.stats().too_long, 1u);
  EXPECT_EQ(analyzer.stats().parses, 0u);
  EXPECT_EQ(analyzer.cached_entries(), 0u);  // too big to cache
}

TEST(Analyzer, LimitsAreConfigurable) {
  AnalyzerOptions options;
  options.max_sql_bytes = 20;
  options.max_nesting = 3;
  Analyzer analyzer(options);
  EXPECT_TRUE(analyzer.analyze("select (((1)))").parsed());
  EXPECT_EQ(only(analyzer.analyze("select ((((1))))")).error.reason, UnparseableReason::kTooDeep);
  EXPECT_EQ(only(analyzer.analyze("select 1 from abcdefghijkl")).error.reason,
            UnparseableReason::kTooLong);
}

TEST(Analyzer, NulBytesAreNotSql) {
  Analyzer analyzer;
  const auto& f = only(analyzer.analyze(std::string_view("select 1\0; delete from t", 24)));
  EXPECT_EQ(f.error.reason, UnparseableReason::kNulByte);
}

TEST(Analyzer, InvalidUtf8IsUnparseableNotACrash) {
  Analyzer analyzer;
  const AnalyzedSql& a = analyzer.analyze("select 1 from \"t\xff\xfe\"");
  // libpg_query copies the bytes into its JSON; simdjson refuses it: fail closed.
  if (!a.parsed()) {
    EXPECT_EQ(only(a).error.reason, UnparseableReason::kInternal);
  }
}

// Release builds need about 1 MB at the default limit; sanitizer builds have far larger frames.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackBytes = size_t{64} << 20;
#else
constexpr size_t kStackBytes = size_t{2} << 20;
#endif

TEST(Analyzer, NestingAtTheLimitParsesOnA2MbStack) {
  // The deepest construct per unit of estimated nesting: scalar subqueries inside each other.
  struct Run {
    std::string sql;
    bool parsed = false;
  };
  Run runs[] = {{repeat("select (", 999) + "1" + repeat(")", 999)},
                {repeat("with a as (", 999) + "select 1" + repeat(") select * from a", 999)},
                {"select " + repeat("case when true then ", 999) + "1" + repeat(" end", 999)},
                {"select 1" + repeat("+1", 999)}};
  for (Run& run : runs) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStackBytes);
    pthread_t thread;
    auto body = [](void* arg) -> void* {
      auto* r = static_cast<Run*>(arg);
      Analyzer analyzer;
      r->parsed = analyzer.analyze(r->sql).parsed();
      return nullptr;
    };
    ASSERT_EQ(pthread_create(&thread, &attr, body, &run), 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_TRUE(run.parsed) << run.sql.substr(0, 40);
  }
}

TEST(Analyzer, RepeatedTextIsACacheHitReturningTheSameFacts) {
  Analyzer analyzer;
  const AnalyzedSql* first =
      &analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
  const AnalyzedSql* second =
      &analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
  EXPECT_EQ(first, second);
  EXPECT_EQ(analyzer.stats().analyzed, 2u);
  EXPECT_EQ(analyzer.stats().cache_hits, 1u);
  EXPECT_EQ(analyzer.stats().parses, 1u);
  // The key is the exact text.
  analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 1 ");
  EXPECT_EQ(analyzer.stats().parses, 2u);
  // Unparseable texts are cached too (they are facts like any other).
  analyzer.analyze("selec 1");
  analyzer.analyze("selec 1");
  EXPECT_EQ(analyzer.stats().parses, 3u);
  EXPECT_EQ(analyzer.stats().cache_hits, 2u);
  EXPECT_EQ(analyzer.cached_entries(), 3u);
}

TEST(Analyzer, CacheIsBoundedAndEvictsTheLeastRecentlyUsed) {
  AnalyzerOptions options;
  options.cache_entries = 2;
  Analyzer analyzer(options);
  analyzer.analyze("select a");
  analyzer.analyze("select b");
  analyzer.analyze("select a");  // now the most recent
  analyzer.analyze("select c");  // evicts "select b"
  EXPECT_EQ(analyzer.cached_entries(), 2u);
  EXPECT_EQ(analyzer.stats().cache_evictions, 1u);
  analyzer.analyze("select a");
  EXPECT_EQ(analyzer.stats().cache_hits, 2u);
  analyzer.analyze("select b");
  EXPECT_EQ(analyzer.stats().parses, 4u);
}

TEST(Analyzer, CacheBytesAreBounded) {
  FactCache cache(100, 1000);
  auto facts = std::make_shared<const AnalyzedSql>();
  cache.insert("a", facts, 600);
  cache.insert("b", facts, 300);
  EXPECT_EQ(cache.bytes(), 900u);
  cache.insert("c", facts, 300);  // over 1000: "a" goes
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("b"), nullptr);
  EXPECT_EQ(cache.bytes(), 600u);
  cache.insert("huge", facts, 5000);  // bigger than the bound: not kept, nothing evicted
  EXPECT_EQ(cache.find("huge"), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  cache.insert("b", facts, 100);  // replacing an entry updates its cost
  EXPECT_EQ(cache.bytes(), 400u);
}

// The guardrails and the masking hook ask for each statement in turn: the second asking finds
// what the first found, counted as the same kind of hit.
TEST(Analyzer, TheSameTextAskedAgainIsTheSameHit) {
  Analyzer analyzer;
  const auto a = analyzer.analyze_shared("SELECT abalance FROM pgbench_accounts WHERE aid = 1");
  EXPECT_EQ(analyzer.analyze_shared("SELECT abalance FROM pgbench_accounts WHERE aid = 1"), a);
  EXPECT_EQ(analyzer.stats().parses, 1u);
  EXPECT_EQ(analyzer.stats().cache_hits, 1u);
  EXPECT_EQ(analyzer.stats().shape_hits, 1u);
  const auto b = analyzer.analyze_shared("SELECT abalance FROM pgbench_accounts WHERE aid = 2");
  EXPECT_EQ(analyzer.analyze_shared("SELECT abalance FROM pgbench_accounts WHERE aid = 2"), b);
  EXPECT_EQ(b, a);  // one shape
  EXPECT_EQ(analyzer.stats().shape_hits, 3u);
  const auto c = analyzer.analyze_shared("SELECT 1");
  EXPECT_EQ(analyzer.analyze_shared("SELECT 1"), c);
  EXPECT_NE(c, a);
  EXPECT_EQ(analyzer.stats().analyzed, 6u);
  EXPECT_EQ(analyzer.stats().cache_hits, 4u);
  EXPECT_EQ(analyzer.stats().parses, 2u);
  // Another text after it is looked up as usual.
  EXPECT_EQ(analyzer.analyze_shared("SELECT abalance FROM pgbench_accounts WHERE aid = 3"), a);
}

TEST(Analyzer, LongTextsAreAnalyzedButNotCached) {
  AnalyzerOptions options;
  options.max_cached_sql_bytes = 16;
  Analyzer analyzer(options);
  analyzer.analyze("select 1 from a_long_table_name");
  analyzer.analyze("select 1 from a_long_table_name");
  EXPECT_EQ(analyzer.stats().parses, 2u);
  EXPECT_EQ(analyzer.cached_entries(), 0u);
}

TEST(Analyzer, SharedFactsOutliveTheCache) {
  AnalyzerOptions options;
  options.cache_entries = 1;
  Analyzer analyzer(options);
  std::shared_ptr<const AnalyzedSql> kept = analyzer.analyze_shared("delete from t");
  analyzer.analyze("select 1");
  analyzer.analyze("select 2");
  ASSERT_EQ(kept->statements.size(), 1u);
  EXPECT_EQ(kept->statements[0].kind, StatementKind::kDelete);
  EXPECT_EQ(analyzer.analyze_shared("select 2").get(), &analyzer.analyze("select 2"));
}

TEST(Analyzer, NamesAreStable) {
  EXPECT_EQ(to_string(StatementKind::kSelect), "select");
  EXPECT_EQ(to_string(StatementKind::kUnparseable), "unparseable");
  EXPECT_EQ(to_string(StatementKind::kDoBlock), "do");
  EXPECT_EQ(to_string(ObjectType::kMaterializedView), "materialized_view");
  EXPECT_EQ(to_string(ObjectType::kOther), "other");
  EXPECT_EQ(to_string(DdlVerb::kRevoke), "revoke");
  EXPECT_EQ(to_string(TransactionVerb::kRollbackPrepared), "rollback_prepared");
  EXPECT_EQ(to_string(NestedOrigin::kSchemaElement), "schema_element");
  EXPECT_EQ(to_string(UnparseableReason::kTooDeep), "too_deep");
  EXPECT_EQ(to_string(static_cast<StatementKind>(200)), "unknown");
}

}  // namespace
}  // namespace gh::sql
