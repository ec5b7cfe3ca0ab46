// Cost conditions are two-phase: estimates_needed() says which statements the session must
// EXPLAIN, decide() judges with the estimates it was given.

#include "policy/plan_estimate.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

using testing::compile;
using testing::Judge;

constexpr const char* kRules = R"(
rules:
  - { name: big-read, match: { statement: select, estimated_rows: "> 100000" }, action: review }
  - { name: costly, match: { estimated_cost: ">= 1e7" }, action: block, mode: dry-run }
  - { name: small-ok, match: { estimated_rows: "< 10" }, action: allow }
  - { name: no-truncate, match: { statement: truncate }, action: block }
)";

uint64_t needed(Judge& j, std::string_view sql, const PreparedStatements* ps = nullptr) {
  return j.policy_->estimates_needed(j.analyzer_.analyze(sql).statements, j.subject(), ps);
}

TEST(CostEstimates, WhichStatementsNeedAnEstimate) {
  Judge j(compile(kRules));
  EXPECT_TRUE(j.policy_->has_cost_rules());
  EXPECT_EQ(needed(j, "SELECT a FROM t"), 0b1u);
  EXPECT_EQ(needed(j, "SET x = 1; SELECT a FROM t; SELECT b FROM u"), 0b110u);
  // The dry-run block rule asks for estimates of any statement that can be EXPLAINed.
  EXPECT_EQ(needed(j, "UPDATE t SET a = 1 WHERE id = 1"), 0b1u);
  EXPECT_EQ(needed(j, "CREATE TABLE x AS SELECT 1"), 0b1u);
  // Statements EXPLAIN cannot take never ask.
  EXPECT_EQ(needed(j, "SHOW work_mem; VACUUM t; EXPLAIN ANALYZE SELECT 1"), 0u);
  // A message that is blocked anyway needs nothing.
  EXPECT_EQ(needed(j, "SELECT a FROM t; TRUNCATE t"), 0u);
  EXPECT_TRUE(j.policy_->needs_estimate(j.analyzer_.analyze("SELECT 1").statements, j.subject()));
}

TEST(CostEstimates, EstimatesOnlyForRulesThatCanChangeTheDecision) {
  Judge j(compile("rules:\n  - { name: a, match: { estimated_rows: \"< 10\" }, action: allow }\n"));
  EXPECT_EQ(needed(j, "SELECT a FROM t"), 0u);
  Judge none(compile("rules:\n  - { name: t, match: { statement: truncate }, action: block }\n"));
  EXPECT_FALSE(none.policy_->has_cost_rules());
  EXPECT_EQ(needed(none, "SELECT a FROM t"), 0u);
}

TEST(CostEstimates, DecideWithAndWithoutEstimates) {
  Judge j(compile(kRules));
  // No estimate: the cost rule does not match, and the decision says it waited on one.
  Decision d = j.decide("SELECT a FROM t");
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_EQ(d.estimates_missing, 0b1u);

  std::vector<std::optional<CostEstimate>> estimates = {CostEstimate{2e6, 5e4}};
  DecideContext ctx;
  ctx.estimates = estimates;
  d = j.decide("SELECT a FROM t", ctx);
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.rule->name, "big-read");
  EXPECT_EQ(d.estimates_missing, 0u);

  estimates[0] = CostEstimate{5, 2e7};
  d = j.decide("SELECT a FROM t", ctx);
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_EQ(d.would, Action::kBlock);
  ASSERT_EQ(d.matched.size(), 2u);
  EXPECT_EQ(d.matched[0].rule->name, "costly");
  EXPECT_EQ(d.matched[1].rule->name, "small-ok");

  // Estimates are per top-level statement; a short list means "none" for the rest.
  d = j.decide("SELECT 1; SELECT a FROM t", ctx);
  EXPECT_EQ(d.estimates_missing, 0b10u);
  std::vector<std::optional<CostEstimate>> second_only = {std::nullopt, CostEstimate{1e6, 1}};
  ctx.estimates = second_only;
  d = j.decide("SELECT 1; SELECT a FROM t", ctx);
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.statement, 1u);
}

TEST(CostEstimates, ExecuteUsesItsOwnStatementsEstimate) {
  Judge j(compile(kRules));
  PreparedStatements ps;
  ps.apply(j.analyzer_.analyze("PREPARE big AS SELECT a FROM t").statements);
  EXPECT_EQ(needed(j, "EXECUTE big", &ps), 0b1u);
  std::vector<std::optional<CostEstimate>> estimates = {CostEstimate{1e9, 1}};
  DecideContext ctx;
  ctx.estimates = estimates;
  ctx.prepared = &ps;
  EXPECT_EQ(j.rule("EXECUTE big", ctx), "big-read");
}

TEST(CostEstimates, TheAgentSafeBulkReadThreshold) {
  Judge j(compile("include: [{ pack: agent-safe, bulk_read_rows: 1000 }]"));
  std::vector<std::optional<CostEstimate>> estimates = {CostEstimate{1001, 1}};
  DecideContext ctx;
  ctx.estimates = estimates;
  EXPECT_EQ(j.rule("SELECT a FROM t", ctx), "agent-safe/bulk-read-estimate");
  estimates[0] = CostEstimate{1000, 1};
  EXPECT_EQ(j.action("SELECT a FROM t", ctx), Action::kAllow);
  // A plain EXPLAIN or a PREPARE is not a read.
  EXPECT_EQ(needed(j, "EXPLAIN SELECT a FROM t"), 0u);
}

}  // namespace
}  // namespace gh::policy

namespace gh::policy {
namespace {

TEST(PlanEstimate, TopNodeRowsAndCost) {
  auto e = parse_explain_json(R"([
  {
    "Plan": {
      "Node Type": "Seq Scan", "Parallel Aware": false, "Relation Name": "big",
      "Startup Cost": 0.00, "Total Cost": 2887.00, "Plan Rows": 200000, "Plan Width": 4
    }
  }
])");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rows, 200000);
  EXPECT_DOUBLE_EQ(e->total_cost, 2887.0);
}

TEST(PlanEstimate, ModifyTableCountsTheRowsItWorksThrough) {
  // EXPLAIN UPDATE big SET v = 0 (PostgreSQL 15): ModifyTable estimates 0 rows.
  auto e = parse_explain_json(R"([{"Plan": {"Node Type": "ModifyTable", "Operation": "Update",
    "Total Cost": 3387.0, "Plan Rows": 0, "Plans": [{"Node Type": "Seq Scan",
    "Parent Relationship": "Outer", "Total Cost": 2887.0, "Plan Rows": 200000}]}}])");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rows, 200000);
  EXPECT_DOUBLE_EQ(e->total_cost, 3387.0);
}

TEST(PlanEstimate, AnythingElseIsNoEstimate) {
  for (const char* bad : {"", "[]", "{}", "[{}]", R"([{"Plan": {"Total Cost": 1}}])",
                          R"([{"Plan": {"Plan Rows": "many", "Total Cost": 1}}])",
                          "Seq Scan on big  (cost=0.00..2887.00 rows=200000 width=4)",
                          R"([{"Plan": {"Plan Rows": 5, "Total Cost": 1.5)"}) {
    EXPECT_FALSE(parse_explain_json(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace gh::policy
