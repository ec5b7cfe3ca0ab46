// SQL analysis cost per message, against a baseline measured in the same run: libpg_query's
// pg_query_parse alone (parse + JSON print + free), the part no analyzer on libpg_query avoids.
//
//   build/sql_analyzer_bench [--benchmark_min_time=1]
//
// BM_Baseline_PgQueryParse/<sql>   pg_query_parse + pg_query_free_parse_result
// BM_Analyze_Uncached/<sql>        Analyzer::analyze with the cache off: bounds scan, parse, DOM,
//                                  tree walk, facts and output-column lineage (what every new
//                                  text costs)
// BM_Analyze_Cached/<sql>          the same text again: hash + compare + LRU touch
// BM_Analyze_ShapeHit              pgbench -S texts, a new account id each time: the exact cache
//                                  misses, the literal shape hits (literal_shape.h)
// BM_NestingScan/<sql>             the pre-parse nesting estimate alone
//
// <sql>: 0 = pgbench -S statement, 1 = TPC-H Q2, 2 = a 10-statement message (pgbench TPC-B
// transaction plus SET/SHOW/SELECTs).

#include <benchmark/benchmark.h>
#include <pg_query.h>

#include <string>
#include <vector>

#include "sql/analyzer.h"
#include "sql/nesting_scan.h"

namespace {

const std::string& sql_text(int64_t which) {
  static const std::string kTexts[] = {
      "SELECT abalance FROM pgbench_accounts WHERE aid = 81259;",

      "select s_acctbal, s_name, n_name, p_partkey, p_mfgr, s_address, s_phone, s_comment "
      "from part, supplier, partsupp, nation, region "
      "where p_partkey = ps_partkey and s_suppkey = ps_suppkey and p_size = 15 "
      "and p_type like '%BRASS' and s_nationkey = n_nationkey and n_regionkey = r_regionkey "
      "and r_name = 'EUROPE' and ps_supplycost = (select min(ps_supplycost) "
      "from partsupp, supplier, nation, region where p_partkey = ps_partkey "
      "and s_suppkey = ps_suppkey and s_nationkey = n_nationkey "
      "and n_regionkey = r_regionkey and r_name = 'EUROPE') "
      "order by s_acctbal desc, n_name, s_name, p_partkey limit 100",

      "BEGIN; "
      "UPDATE pgbench_accounts SET abalance = abalance + -2817 WHERE aid = 40321; "
      "SELECT abalance FROM pgbench_accounts WHERE aid = 40321; "
      "UPDATE pgbench_tellers SET tbalance = tbalance + -2817 WHERE tid = 7; "
      "UPDATE pgbench_branches SET bbalance = bbalance + -2817 WHERE bid = 1; "
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
      "VALUES (7, 1, 40321, -2817, CURRENT_TIMESTAMP); "
      "SET statement_timeout = 5000; SHOW search_path; "
      "SELECT count(*) FROM pgbench_branches; END;",
  };
  return kTexts[which];
}

void label(benchmark::State& state) {
  static const char* kNames[] = {"pgbench_select", "tpch_q2", "ten_statements"};
  state.SetLabel(kNames[state.range(0)]);
}

void BM_Baseline_PgQueryParse(benchmark::State& state) {
  const std::string& sql = sql_text(state.range(0));
  for (auto _ : state) {
    PgQueryParseResult r = pg_query_parse(sql.c_str());
    benchmark::DoNotOptimize(r.parse_tree);
    pg_query_free_parse_result(r);
  }
  label(state);
}

void BM_Analyze_Uncached(benchmark::State& state) {
  const std::string& sql = sql_text(state.range(0));
  gh::sql::AnalyzerOptions options;
  options.cache_entries = 0;
  options.shape_cache_entries = 0;
  gh::sql::Analyzer analyzer(options);
  for (auto _ : state) {
    const gh::sql::AnalyzedSql& a = analyzer.analyze(sql);
    benchmark::DoNotOptimize(&a);
    if (!a.parsed()) state.SkipWithError("unparseable");
  }
  label(state);
}

void BM_Analyze_Cached(benchmark::State& state) {
  const std::string& sql = sql_text(state.range(0));
  gh::sql::Analyzer analyzer;
  analyzer.analyze(sql);
  for (auto _ : state) benchmark::DoNotOptimize(&analyzer.analyze(sql));
  label(state);
}

void BM_Analyze_ShapeHit(benchmark::State& state) {
  std::vector<std::string> texts;
  for (int i = 0; i < 1024; ++i)
    texts.push_back("SELECT abalance FROM pgbench_accounts WHERE aid = " +
                    std::to_string(1 + (i * 7919) % 1000000) + ";");
  gh::sql::Analyzer analyzer;
  analyzer.analyze(texts[0]);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(&analyzer.analyze(texts[i++ & 1023]));
  if (analyzer.stats().parses != 1) state.SkipWithError("shape cache missed");
}

void BM_NestingScan(benchmark::State& state) {
  const std::string& sql = sql_text(state.range(0));
  gh::sql::NestingScan scan;
  for (auto _ : state) benchmark::DoNotOptimize(scan.estimate(sql, 1000));
  label(state);
}

BENCHMARK(BM_Baseline_PgQueryParse)->DenseRange(0, 2);
BENCHMARK(BM_Analyze_Uncached)->DenseRange(0, 2);
BENCHMARK(BM_Analyze_Cached)->DenseRange(0, 2);
BENCHMARK(BM_Analyze_ShapeHit);
BENCHMARK(BM_NestingScan)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
