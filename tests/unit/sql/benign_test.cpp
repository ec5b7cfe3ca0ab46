// Ordinary workloads must analyze cleanly, with sane facts: the 22 TPC-H queries, what pgbench
// sends, and psql's / drivers' catalog queries (tests/unit/sql/data/*.sql).

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::ElementsAre;
using testing::facts_text;
using ::testing::IsEmpty;
using testing::texts;

namespace fs = std::filesystem;

// Entries of a data file: a line "-- name" starts one; lines before the first are a header.
std::vector<std::pair<std::string, std::string>> entries(const std::string& file) {
  std::ifstream in(fs::path(GH_SOURCE_DIR) / "tests/unit/sql/data" / file);
  EXPECT_TRUE(in.good()) << file;
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    const bool header =
        line.size() > 3 && line.rfind("-- ", 0) == 0 &&
        line.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
                               3) == std::string::npos;
    if (header) {
      out.emplace_back(line.substr(3), "");
    } else if (!out.empty()) {
      out.back().second += line + "\n";
    }
  }
  return out;
}

bool is_tpch_table(const QualifiedName& n) {
  static const std::set<std::string> kTables = {"lineitem", "orders",   "customer",
                                                "part",     "partsupp", "supplier",
                                                "nation",   "region",   "revenue0"};
  return n.schema.empty() && kTables.count(n.name) == 1;
}

TEST(Benign, Tpch22QueriesAnalyzeAsReads) {
  Analyzer analyzer;
  auto queries = entries("tpch.sql");
  ASSERT_EQ(queries.size(), 22u);
  std::map<std::string, const AnalyzedSql*> by_name;
  for (const auto& [name, sql] : queries) {
    const AnalyzedSql& a = analyzer.analyze(sql);
    by_name[name] = &a;
    ASSERT_TRUE(a.parsed()) << name << ": " << facts_text(a);
    for (const auto& s : a.statements) {
      EXPECT_TRUE(!s.relations_read.empty() || s.ddl.verb == DdlVerb::kDrop) << name;
      for (const auto& r : s.relations_read)
        EXPECT_TRUE(is_tpch_table(r)) << name << " " << r.text();
      EXPECT_FALSE(s.filter.where_trivially_true) << name;
      EXPECT_TRUE(s.nested.empty()) << name;
      if (name != "Q15") {
        EXPECT_EQ(s.kind, StatementKind::kSelect) << name;
        EXPECT_THAT(s.relations_written, IsEmpty()) << name;
        // Q7, Q8, Q9, Q13 and Q22 filter inside a derived table, not at the top.
        const bool outer_where =
            name != "Q7" && name != "Q8" && name != "Q9" && name != "Q13" && name != "Q22";
        EXPECT_EQ(s.filter.has_where, outer_where) << name;
      }
    }
  }
  const auto& q1 = by_name["Q1"]->statements.at(0);
  EXPECT_THAT(texts(q1.relations_read), ElementsAre("lineitem"));
  EXPECT_THAT(texts(q1.functions), ElementsAre("sum", "avg", "count"));
  EXPECT_FALSE(q1.select_star);
  const auto& q2 = by_name["Q2"]->statements.at(0);
  EXPECT_THAT(texts(q2.relations_read),
              ElementsAre("part", "supplier", "partsupp", "nation", "region"));
  EXPECT_EQ(q2.limit, 100);
  EXPECT_THAT(texts(by_name["Q22"]->statements.at(0).functions),
              ElementsAre("count", "sum", "pg_catalog.substring", "avg"));
  const auto& q15 = by_name["Q15"]->statements;
  ASSERT_EQ(q15.size(), 3u);
  EXPECT_EQ(q15[0].ddl.verb, DdlVerb::kCreate);
  EXPECT_EQ(q15[0].ddl.object, ObjectType::kView);
  EXPECT_EQ(q15[1].kind, StatementKind::kSelect);
  EXPECT_EQ(q15[2].ddl.verb, DdlVerb::kDrop);
  EXPECT_THAT(texts(q15[2].relations_written), ElementsAre("revenue0"));
}

TEST(Benign, PgbenchStatements) {
  Analyzer analyzer;
  std::map<std::string, StatementFacts> by_name;
  for (const auto& [name, sql] : entries("pgbench.sql")) {
    const AnalyzedSql& a = analyzer.analyze(sql);
    ASSERT_TRUE(a.parsed()) << name << ": " << facts_text(a);
    ASSERT_EQ(a.statements.size(), 1u) << name;
    by_name[name] = a.statements[0];
  }
  EXPECT_EQ(by_name.size(), 31u);
  const auto& drop = by_name["init_drop"];
  EXPECT_EQ(drop.ddl.verb, DdlVerb::kDrop);
  EXPECT_THAT(texts(drop.relations_written), ElementsAre("pgbench_accounts", "pgbench_branches",
                                                         "pgbench_history", "pgbench_tellers"));
  EXPECT_EQ(by_name["init_copy"].copy.direction, CopyDirection::kFrom);
  EXPECT_THAT(texts(by_name["init_server_side"].functions), ElementsAre("generate_series"));
  EXPECT_THAT(texts(by_name["init_foreign_keys"].relations_read), ElementsAre("pgbench_branches"));
  EXPECT_EQ(by_name["init_truncate"].kind, StatementKind::kTruncate);
  EXPECT_EQ(by_name["init_vacuum"].kind, StatementKind::kMaintenance);

  for (const char* name : {"tpcb_simple_update_accounts", "tpcb_prepared_update_accounts"}) {
    const auto& u = by_name[name];
    EXPECT_EQ(u.kind, StatementKind::kUpdate) << name;
    EXPECT_THAT(texts(u.relations_written), ElementsAre("pgbench_accounts")) << name;
    EXPECT_TRUE(u.filter.has_where) << name;
    EXPECT_FALSE(u.filter.where_trivially_true) << name;
  }
  const auto& select_only = by_name["select_only"];
  EXPECT_EQ(select_only.kind, StatementKind::kSelect);
  EXPECT_THAT(texts(select_only.relations_read), ElementsAre("pgbench_accounts"));
  EXPECT_TRUE(select_only.filter.has_where);
  EXPECT_FALSE(select_only.select_star);
  EXPECT_THAT(select_only.functions, IsEmpty());
  EXPECT_EQ(by_name["tpcb_simple_begin"].transaction, TransactionVerb::kBegin);
  EXPECT_EQ(by_name["tpcb_simple_end"].transaction, TransactionVerb::kCommit);
  EXPECT_EQ(by_name["tpcb_simple_insert_history"].kind, StatementKind::kInsert);
}

TEST(Benign, PsqlAndDriverCatalogQueries) {
  Analyzer analyzer;
  int count = 0;
  for (const auto& [name, sql] : entries("psql_catalog.sql")) {
    const AnalyzedSql& a = analyzer.analyze(sql);
    ASSERT_TRUE(a.parsed()) << name << ": " << facts_text(a);
    ASSERT_EQ(a.statements.size(), 1u) << name;
    const auto& f = a.statements[0];
    ++count;
    EXPECT_TRUE(f.kind == StatementKind::kSelect || f.kind == StatementKind::kSet ||
                f.kind == StatementKind::kShow)
        << name << ": " << facts_text(f);
    EXPECT_THAT(f.relations_written, IsEmpty()) << name;
    EXPECT_TRUE(f.nested.empty()) << name;
    for (const auto& r : f.relations_read) {
      EXPECT_EQ(r.name.rfind("pg_", 0), 0u) << name << " reads " << r.text();
    }
  }
  EXPECT_EQ(count, 18);
}

}  // namespace
}  // namespace gh::sql
