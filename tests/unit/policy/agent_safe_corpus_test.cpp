// The agent-safe pack against corpora analyzed by the real sql::Analyzer:
// - data/dangerous.sql: every case BLOCKED, by the rule the case names;
// - data/review.sql: every case sent to REVIEW, by the rule the case names;
// - data/benign/*.sql, TPC-H, pgbench and psql/driver catalog queries (tests/unit/sql/data):
//   every case ALLOWED (no false positives).

#include <algorithm>
#include <cstdio>

#include "policy/explain.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

namespace fs = std::filesystem;
using testing::compile;
using testing::CorpusCase;
using testing::Judge;
using testing::read_corpus;
using testing::read_sql_module_data;
using testing::source_dir;

const fs::path kData = source_dir() / "tests/unit/policy/data";

std::shared_ptr<const Policy> agent_safe() { return compile("include: [agent-safe]"); }

bool matched_enforced(const Decision& d, const std::string& rule, Action action) {
  for (const RuleMatch& m : d.matched)
    if (m.rule->name == rule && m.enforced() && m.rule->action == action) return true;
  return false;
}

std::string explain(Judge& j, const std::string& sql, const Decision& d) {
  return explain_text(sql, j.analyzer_.analyze(sql).statements, d, j.subject());
}

// "<rule>: <what>" -> "agent-safe/<rule>"
std::string expected_rule(const CorpusCase& c) {
  return "agent-safe/" + c.label.substr(0, c.label.find(':'));
}

void expect_corpus(const fs::path& file, Action action, size_t min_cases, const char* what) {
  Judge j(agent_safe());
  auto cases = read_corpus(file);
  ASSERT_GE(cases.size(), min_cases) << file;
  size_t statements = 0;
  for (const CorpusCase& c : cases) {
    statements += j.analyzer_.analyze(c.sql).statements.size();
    Decision d = j.decide(c.sql);
    const std::string rule = expected_rule(c);
    EXPECT_EQ(d.action, action) << file.filename() << ":" << c.line << " " << c.label << "\n"
                                << explain(j, c.sql, d);
    EXPECT_TRUE(matched_enforced(d, rule, action))
        << file.filename() << ":" << c.line << " expected " << rule << "\n"
        << explain(j, c.sql, d);
  }
  std::printf("[ corpus   ] %s: %zu cases, %zu top-level statements, all %s\n", what, cases.size(),
              statements, std::string(to_string(action)).c_str());
}

TEST(AgentSafeCorpus, DangerousStatementsAreBlocked) {
  expect_corpus(kData / "dangerous.sql", Action::kBlock, 150, "dangerous.sql");
}

TEST(AgentSafeCorpus, RiskyStatementsGoToReview) {
  expect_corpus(kData / "review.sql", Action::kReview, 25, "review.sql");
}

// Each benign case is allowed with no estimate and with a small one (a cost rule must not
// fire on ordinary queries).
void expect_allowed(Judge& j, const std::string& where, const std::string& sql) {
  Decision d = j.decide(sql);
  EXPECT_EQ(d.action, Action::kAllow) << where << "\n" << explain(j, sql, d);
  std::vector<std::optional<CostEstimate>> small(64, CostEstimate{50, 100});
  DecideContext ctx;
  ctx.estimates = small;
  Decision with_estimate = j.decide(sql, ctx);
  EXPECT_EQ(with_estimate.action, Action::kAllow) << where << "\n" << explain(j, sql, d);
}

TEST(AgentSafeCorpus, BenignWorkloadsAreAllowed) {
  Judge j(agent_safe());
  size_t total = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kData / "benign"))
    if (e.path().extension() == ".sql") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 3u);
  for (const fs::path& f : files) {
    auto cases = read_corpus(f);
    EXPECT_GE(cases.size(), 20u) << f;
    for (const CorpusCase& c : cases)
      expect_allowed(j, f.filename().string() + ":" + std::to_string(c.line) + " " + c.label,
                     c.sql);
    std::printf("[ corpus   ] benign/%s: %zu cases allowed\n", f.filename().c_str(), cases.size());
    total += cases.size();
  }
  std::printf("[ corpus   ] benign/*.sql: %zu cases allowed\n", total);
}

TEST(AgentSafeCorpus, TpchQueriesAreAllowed) {
  Judge j(agent_safe());
  auto queries = read_sql_module_data("tpch.sql");
  ASSERT_EQ(queries.size(), 22u);
  for (const CorpusCase& q : queries) {
    if (q.label == "Q15") continue;
    expect_allowed(j, "tpch " + q.label, q.sql);
  }
  // Q15 is written as CREATE VIEW; SELECT; DROP VIEW. Its query is allowed; the view's
  // creation and drop are schema changes, which the pack sends to review by design.
  auto q15 = std::find_if(queries.begin(), queries.end(),
                          [](const CorpusCase& c) { return c.label == "Q15"; });
  ASSERT_NE(q15, queries.end());
  const auto& statements = j.analyzer_.analyze(q15->sql).statements;
  ASSERT_EQ(statements.size(), 3u);
  std::vector<sql::StatementFacts> select_only = {statements[1]};
  EXPECT_EQ(j.policy_->decide(select_only, j.subject()).action, Action::kAllow);
  Decision whole = j.decide(q15->sql);
  EXPECT_EQ(whole.action, Action::kReview);
  EXPECT_EQ(whole.rule->name, "agent-safe/schema-changes");
  std::printf(
      "[ corpus   ] tpch.sql: 21 queries + Q15's SELECT allowed; Q15's view DDL reviewed\n");
}

TEST(AgentSafeCorpus, PgbenchRunsAreAllowedItsInitializationIsNot) {
  Judge j(agent_safe());
  size_t allowed = 0;
  for (const CorpusCase& c : read_sql_module_data("pgbench.sql")) {
    Decision d = j.decide(c.sql);
    if (c.label.rfind("init_", 0) == 0 || c.label == "run_truncate_history") {
      // `pgbench -i` drops, creates and truncates tables, and a run without -n truncates
      // pgbench_history: an operator's job, not an agent's.
      if (c.label == "init_drop" || c.label == "init_truncate" ||
          c.label == "run_truncate_history") {
        EXPECT_EQ(d.action, Action::kBlock) << c.label;
      }
      if (c.label.rfind("init_create", 0) == 0) {
        EXPECT_EQ(d.action, Action::kReview) << c.label;
      }
      continue;
    }
    expect_allowed(j, "pgbench " + c.label, c.sql);
    ++allowed;
  }
  EXPECT_GE(allowed, 14u);
  std::printf("[ corpus   ] pgbench.sql: %zu script statements allowed\n", allowed);
}

TEST(AgentSafeCorpus, PsqlAndDriverCatalogQueriesAreAllowed) {
  Judge j(agent_safe());
  auto cases = read_sql_module_data("psql_catalog.sql");
  EXPECT_EQ(cases.size(), 18u);
  for (const CorpusCase& c : cases) expect_allowed(j, "psql_catalog " + c.label, c.sql);
  std::printf("[ corpus   ] psql_catalog.sql: %zu cases allowed\n", cases.size());
}

}  // namespace
}  // namespace gh::policy
