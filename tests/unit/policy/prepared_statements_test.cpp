// EXECUTE is judged by the statement it runs: the session's PreparedStatements, or a PREPARE
// earlier in the same message.

#include "policy/prepared_statements.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

using testing::compile;
using testing::Judge;

TEST(PreparedStatements, RemembersPrepareAndForgetsDeallocate) {
  sql::Analyzer a;
  PreparedStatements ps;
  ps.apply(a.analyze("PREPARE wipe AS DELETE FROM t; PREPARE one (int) AS SELECT $1").statements);
  ASSERT_EQ(ps.size(), 2u);
  ASSERT_NE(ps.find("wipe"), nullptr);
  EXPECT_EQ(ps.find("wipe")->kind, sql::StatementKind::kDelete);
  EXPECT_EQ(ps.find("one")->kind, sql::StatementKind::kSelect);
  EXPECT_EQ(ps.find("other"), nullptr);

  ps.apply(a.analyze("DEALLOCATE wipe").statements);
  EXPECT_EQ(ps.find("wipe"), nullptr);
  EXPECT_EQ(ps.size(), 1u);
  ps.apply(a.analyze("DEALLOCATE PREPARE ALL").statements);
  EXPECT_EQ(ps.size(), 0u);

  ps.apply(a.analyze("PREPARE x AS SELECT 1").statements);
  ps.apply(a.analyze("DISCARD ALL").statements);
  EXPECT_EQ(ps.size(), 0u);
  ps.apply(a.analyze("PREPARE x AS SELECT 1").statements);
  ps.apply(a.analyze("DISCARD PLANS").statements);
  EXPECT_EQ(ps.size(), 1u);
}

TEST(PreparedStatements, ARePrepareReplaces) {
  sql::Analyzer a;
  PreparedStatements ps;
  ps.apply(a.analyze("PREPARE p AS SELECT 1").statements);
  ps.apply(a.analyze("PREPARE p AS DELETE FROM t").statements);
  EXPECT_EQ(ps.find("p")->kind, sql::StatementKind::kDelete);
}

TEST(PreparedStatements, ProtocolLevelParseSharesTheNamespace) {
  sql::Analyzer a;
  PreparedStatements ps;
  auto analyzed = a.analyze_shared("DELETE FROM t");
  // Aliasing pointer: no copy of the facts, the analysis stays alive with it.
  ps.remember("s1", std::shared_ptr<const sql::StatementFacts>(analyzed, &analyzed->statements[0]));
  EXPECT_EQ(ps.find("s1")->kind, sql::StatementKind::kDelete);
  ps.forget("s1");
  EXPECT_EQ(ps.find("s1"), nullptr);
  ps.forget("never");  // harmless
  ps.remember("s2", nullptr);
  EXPECT_EQ(ps.size(), 0u);
}

TEST(PreparedStatements, ExecuteIsJudgedByWhatItRuns) {
  Judge j(compile(R"(
rules:
  - { name: no-unfiltered-delete, match: { statement: delete, where: absent, executes: true },
      action: block }
  - { name: unknown, match: { unknown_prepared: true }, action: review }
)"));
  PreparedStatements ps;
  DecideContext ctx;
  ctx.prepared = &ps;

  // PREPARE alone does not run the DELETE (the rule asks for executes: true).
  const auto& prepare = j.analyzer_.analyze("PREPARE wipe AS DELETE FROM t").statements;
  EXPECT_EQ(j.policy_->decide(prepare, j.subject(), ctx).action, Action::kAllow);
  ps.apply(prepare);

  Decision d = j.decide("EXECUTE wipe", ctx);
  EXPECT_EQ(d.action, Action::kBlock);
  ASSERT_EQ(d.matched.size(), 1u);
  EXPECT_TRUE(d.matched[0].via_execute);
  EXPECT_EQ(j.action("EXPLAIN ANALYZE EXECUTE wipe", ctx), Action::kBlock);
  EXPECT_EQ(j.action("CREATE TABLE x AS EXECUTE wipe", ctx), Action::kBlock);
  EXPECT_EQ(j.action("EXPLAIN EXECUTE wipe", ctx), Action::kAllow);  // plain EXPLAIN: no run

  // Without the session's statements, or after DEALLOCATE, the name is unknown.
  EXPECT_EQ(j.rule("EXECUTE wipe"), "unknown");
  ps.apply(j.analyzer_.analyze("DEALLOCATE wipe").statements);
  EXPECT_EQ(j.rule("EXECUTE wipe", ctx), "unknown");

  // A PREPARE earlier in the same message is found first; the latest one wins.
  EXPECT_EQ(j.action("PREPARE q AS DELETE FROM t; EXECUTE q"), Action::kBlock);
  EXPECT_EQ(j.action("PREPARE q AS DELETE FROM t; PREPARE r AS SELECT 1; EXECUTE r"),
            Action::kAllow);
  EXPECT_EQ(j.rule("EXECUTE q; PREPARE q AS SELECT 1"), "unknown");  // not yet prepared
}

}  // namespace
}  // namespace gh::policy
