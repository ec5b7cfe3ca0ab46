// Policy::decide semantics: severity, dry-run, scope, nested statements, several statements
// per message, and one test per condition.

#include "policy_test_util.h"

namespace gh::policy {
namespace {

using testing::compile;
using testing::Judge;

std::vector<std::string> labels(const Decision& d) {
  std::vector<std::string> out;
  for (const RuleMatch& m : d.matched)
    out.push_back(m.rule->name + ":" + std::string(m.label()) + "@" + std::to_string(m.statement));
  return out;
}

TEST(Decide, NoMatchingRuleAllows) {
  Judge j(compile("rules:\n  - { name: t, match: { statement: truncate }, action: block }\n"));
  Decision d = j.decide("SELECT 1");
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_EQ(d.rule, nullptr);
  EXPECT_TRUE(d.matched.empty());
  EXPECT_EQ(d.message(), "");
  EXPECT_EQ(j.action(""), Action::kAllow);  // an empty query has no statements
}

TEST(Decide, TheMostSevereActionWins) {
  Judge j(compile(R"(
rules:
  - { name: ok-deletes, match: { statement: delete }, action: allow }
  - { name: review-writes, match: { relations_written: [orders] }, action: review }
  - { name: no-unfiltered, match: { statement: delete, where: absent }, action: block }
  - { name: also-review, match: { statement: delete }, action: review }
)"));
  Decision d = j.decide("DELETE FROM orders");
  EXPECT_EQ(d.action, Action::kBlock);
  EXPECT_EQ(d.rule->name, "no-unfiltered");
  EXPECT_EQ(d.message(), "blocked by guardrail rule 'no-unfiltered'");
  // Every rule that matched is listed, in policy order.
  EXPECT_THAT(labels(d), ::testing::ElementsAre("ok-deletes:allow@0", "review-writes:review@0",
                                                "no-unfiltered:block@0", "also-review:review@0"));
  // Review beats allow; among equals the first rule in policy order decides.
  EXPECT_EQ(j.rule("DELETE FROM orders WHERE id = 1"), "review-writes");
  EXPECT_EQ(j.rule("DELETE FROM items WHERE id = 1"), "also-review");
}

TEST(Decide, DryRunRulesAreReportedNotEnforced) {
  Judge j(compile(R"(
rules:
  - { name: dry-block, match: { statement: delete }, action: block, mode: dry-run }
  - { name: review-ddl, match: { statement: ddl }, action: review }
)"));
  Decision d = j.decide("DELETE FROM t WHERE id = 1");
  EXPECT_EQ(d.action, Action::kAllow);
  EXPECT_EQ(d.would, Action::kBlock);
  EXPECT_EQ(d.rule, nullptr);
  ASSERT_EQ(d.matched.size(), 1u);
  EXPECT_EQ(d.matched[0].label(), "would block");
  EXPECT_FALSE(d.matched[0].enforced());

  d = j.decide("CREATE TABLE x (a int); DELETE FROM t");
  EXPECT_EQ(d.action, Action::kReview);
  EXPECT_EQ(d.would, Action::kBlock);
  EXPECT_THAT(labels(d), ::testing::ElementsAre("review-ddl:review@0", "dry-block:would block@1"));
}

TEST(Decide, ScopeByGroupPrincipalAndConnection) {
  auto p = compile(R"(
rules:
  - { name: agents, match: { statement: truncate }, action: block, groups: [data-agents] }
  - { name: ci, match: { statement: ddl }, action: block, principals: [ci-job] }
  - { name: prod, match: { statement: delete }, action: block, connections: [prod] }
  - { name: prod-agents, match: { statement: update }, action: block, groups: [data-agents],
      connections: [prod] }
)");
  Judge j(p);
  j.principal_.groups = {"analysts", "data-agents"};
  EXPECT_EQ(j.action("TRUNCATE t"), Action::kBlock);
  EXPECT_EQ(j.action("CREATE TABLE x (a int)"), Action::kAllow);
  EXPECT_EQ(j.action("DELETE FROM t"), Action::kAllow);  // connection "app"
  j.connection_ = "prod";
  EXPECT_EQ(j.action("DELETE FROM t"), Action::kBlock);
  EXPECT_EQ(j.action("UPDATE t SET a = 1"), Action::kBlock);
  j.principal_.groups = {"analysts"};
  EXPECT_EQ(j.action("TRUNCATE t"), Action::kAllow);
  EXPECT_EQ(j.action("UPDATE t SET a = 1"), Action::kAllow);
  j.principal_.subject = "ci-job";
  EXPECT_EQ(j.action("CREATE TABLE x (a int)"), Action::kBlock);
  // No principal: only unscoped rules (and connection-only scopes) apply.
  sql::Analyzer a;
  Subject anonymous{nullptr, "prod"};
  EXPECT_EQ(p->decide(a.analyze("TRUNCATE t").statements, anonymous).action, Action::kAllow);
  EXPECT_EQ(p->decide(a.analyze("DELETE FROM t").statements, anonymous).action, Action::kBlock);
}

TEST(Decide, NestedStatementsAreJudged) {
  Judge j(compile(R"(
rules:
  - { name: no-delete, match: { statement: delete }, action: block }
)"));
  for (const char* sql : {
           "WITH d AS (DELETE FROM t) SELECT 1",
           "EXPLAIN ANALYZE DELETE FROM t",
           "EXPLAIN DELETE FROM t",  // does not run; judged all the same (see policy.h)
           "PREPARE p AS DELETE FROM t",
           "COPY (DELETE FROM t RETURNING *) TO STDOUT",
           "CREATE RULE r AS ON INSERT TO u DO ALSO DELETE FROM t",
           "EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING 1) SELECT 1",
       }) {
    EXPECT_EQ(j.action(sql), Action::kBlock) << sql;
  }
  Decision d = j.decide("WITH d AS (DELETE FROM t) SELECT 1");
  ASSERT_EQ(d.matched.size(), 1u);
  EXPECT_EQ(d.matched[0].origin, sql::NestedOrigin::kCte);
  EXPECT_EQ(j.decide("EXPLAIN ANALYZE DELETE FROM t").matched[0].origin,
            sql::NestedOrigin::kExplained);
}

TEST(Decide, ExecutesAndOriginConditions) {
  Judge j(compile(R"(
rules:
  - { name: running-deletes, match: { statement: delete, executes: true }, action: block }
  - { name: cte-writes, match: { origin: cte, statement: [insert, update, delete] },
      action: review }
)"));
  EXPECT_EQ(j.action("EXPLAIN DELETE FROM t"), Action::kAllow);
  EXPECT_EQ(j.action("PREPARE p AS DELETE FROM t"), Action::kAllow);
  EXPECT_EQ(j.action("EXPLAIN ANALYZE DELETE FROM t"), Action::kBlock);
  EXPECT_EQ(j.action("PREPARE p AS DELETE FROM t; EXECUTE p"), Action::kBlock);
  // A CTE under a plain EXPLAIN does not run either.
  EXPECT_EQ(j.action("EXPLAIN WITH d AS (DELETE FROM t RETURNING 1) SELECT 1"), Action::kReview);
  EXPECT_EQ(j.action("WITH d AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1"), Action::kReview);
  EXPECT_EQ(j.action("INSERT INTO t VALUES (1)"), Action::kAllow);
}

TEST(Decide, AMessageIsJudgedAsAWhole) {
  Judge j(compile(R"(
rules:
  - { name: review-ddl, match: { statement: ddl }, action: review }
  - { name: no-truncate, match: { statement: truncate }, action: block }
)"));
  Decision d = j.decide("SELECT 1; CREATE TABLE x (a int); TRUNCATE y; SELECT 2");
  EXPECT_EQ(d.action, Action::kBlock);
  EXPECT_EQ(d.statement, 2u);
  EXPECT_THAT(labels(d), ::testing::ElementsAre("review-ddl:review@1", "no-truncate:block@2"));
  // A rule is listed once per statement it matched.
  d = j.decide("TRUNCATE a; TRUNCATE b");
  EXPECT_THAT(labels(d), ::testing::ElementsAre("no-truncate:block@0", "no-truncate:block@1"));
  EXPECT_EQ(d.statement, 0u);
}

TEST(Decide, UnparseableIsAFactLikeAnyOther) {
  Judge j(compile(
      "rules:\n  - { name: fail-closed, match: { statement: unparseable }, action: block }\n"));
  EXPECT_EQ(j.action("SELEC 1"), Action::kBlock);
  Judge k(compile("rules:\n  - { name: syntax, match: { unparseable: syntax }, action: block }\n"));
  EXPECT_EQ(k.action("SELECT 'x"), Action::kBlock);
  EXPECT_EQ(k.action("SELECT 1"), Action::kAllow);
}

// One row per condition: a statement it matches and one it does not.
struct ConditionCase {
  const char* match;
  const char* yes;
  const char* no;
};

class Conditions : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(Conditions, MatchAndMismatch) {
  const ConditionCase& c = GetParam();
  Judge j(compile(std::string("rules:\n  - { name: r, action: block, match: ") + c.match + " }\n"));
  EXPECT_EQ(j.action(c.yes), Action::kBlock) << c.match << " should match: " << c.yes;
  EXPECT_EQ(j.action(c.no), Action::kAllow) << c.match << " should not match: " << c.no;
}

INSTANTIATE_TEST_SUITE_P(
    EveryFact, Conditions,
    ::testing::Values(
        ConditionCase{"{ statement: [merge] }",
                      "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
                      "DELETE FROM t WHERE id = 1"},
        ConditionCase{"{ verb: comment }", "COMMENT ON TABLE t IS 'x'", "CREATE TABLE t (a int)"},
        ConditionCase{"{ object: [index] }", "CREATE INDEX i ON t (a)", "CREATE TABLE t (a int)"},
        ConditionCase{"{ objects: [\"secret*\"] }", "DROP TABLE secrets", "DROP TABLE public_data"},
        ConditionCase{"{ relations: [payroll] }", "SELECT a FROM payroll", "SELECT a FROM orders"},
        ConditionCase{"{ relations_read: [payroll] }", "INSERT INTO x SELECT a FROM payroll",
                      "INSERT INTO payroll VALUES (1)"},
        ConditionCase{"{ relations_written: [payroll] }", "INSERT INTO payroll VALUES (1)",
                      "SELECT a FROM payroll"},
        ConditionCase{"{ reads_other_than: [\"pg_*\"] }", "SELECT 1 FROM pg_class, orders",
                      "SELECT 1 FROM pg_class"},
        ConditionCase{"{ functions: [\"lo_*\"] }", "SELECT lo_get(1)", "SELECT lower('A')"},
        ConditionCase{"{ where: absent }", "SELECT a FROM t", "SELECT a FROM t WHERE true"},
        ConditionCase{"{ where: trivially_true }", "UPDATE t SET a = 1 WHERE 1 = 1",
                      "UPDATE t SET a = 1 WHERE id = 2"},
        ConditionCase{"{ where: present }", "DELETE FROM t WHERE true", "DELETE FROM t"},
        ConditionCase{"{ where: filtered }", "DELETE FROM t WHERE id = 1",
                      "DELETE FROM t WHERE true"},
        ConditionCase{"{ where: unfiltered }", "DELETE FROM t WHERE true",
                      "DELETE FROM t WHERE id = 1"},
        ConditionCase{"{ where: absent }", "DELETE FROM t", "INSERT INTO t VALUES (1)"},
        ConditionCase{"{ limit: absent }", "SELECT a FROM t", "SELECT a FROM t LIMIT 5"},
        ConditionCase{"{ limit: present }", "SELECT a FROM t FETCH FIRST 3 ROWS ONLY",
                      "SELECT a FROM t LIMIT ALL"},
        ConditionCase{"{ select_star: true }", "SELECT * FROM t", "SELECT a FROM t"},
        ConditionCase{"{ nested_dml: true }",
                      "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING 1) SELECT 1",
                      "WITH d AS (SELECT 1) SELECT 1"},
        ConditionCase{"{ explain_analyze: true }", "EXPLAIN ANALYZE SELECT 1", "EXPLAIN SELECT 1"},
        ConditionCase{"{ select_into: true }", "SELECT 1 INTO x", "CREATE TABLE x AS SELECT 1"},
        ConditionCase{"{ create_table_as: true }", "CREATE TABLE x AS SELECT 1",
                      "CREATE TABLE x (a int)"},
        ConditionCase{"{ copy_direction: from }", "COPY t FROM STDIN", "COPY t TO STDOUT"},
        ConditionCase{"{ copy_endpoint: program }", "COPY t TO PROGRAM 'gzip'",
                      "COPY t TO '/tmp/x'"},
        ConditionCase{"{ language: [\"plpython*\"] }", "DO LANGUAGE plpython3u 'pass'",
                      "DO 'BEGIN NULL; END'"},
        ConditionCase{"{ security_definer: true }",
                      "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'",
                      "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"},
        ConditionCase{"{ name: [\"tmp_*\"] }", "PREPARE tmp_1 AS SELECT 1",
                      "PREPARE keep AS SELECT 1"},
        ConditionCase{"{ statement: listen, name: [\"audit*\"] }", "LISTEN audit_events",
                      "LISTEN jobs"},
        ConditionCase{"{ statement: notify }", "NOTIFY jobs, 'x'", "LISTEN jobs"},
        ConditionCase{"{ setting: [search_path] }", "SET search_path = evil, public",
                      "SET application_name = 'x'"},
        ConditionCase{"{ setting: [\"app.*\"] }", "SET app.tenant_id = '7'",
                      "SET application_name = 'x'"},
        ConditionCase{"{ setting: [role] }", "SET ROLE admin", "SET work_mem = '1MB'"},
        ConditionCase{"{ setting: [session_authorization] }", "SET SESSION AUTHORIZATION admin",
                      "SET ROLE admin"},
        ConditionCase{"{ setting_action: reset }", "RESET ROLE", "SET ROLE admin"},
        ConditionCase{"{ transaction: [prepare_transaction] }", "PREPARE TRANSACTION 'x'",
                      "COMMIT"},
        ConditionCase{"{ transaction: begin }", "START TRANSACTION", "SAVEPOINT a"},
        ConditionCase{"{ temporary: true }", "CREATE TEMP TABLE x (a int)",
                      "CREATE TABLE x (a int)"},
        ConditionCase{"{ cascade: true }", "DROP TABLE t CASCADE", "DROP TABLE t"},
        ConditionCase{"{ or_replace: true }", "CREATE OR REPLACE VIEW v AS SELECT 1",
                      "CREATE VIEW v AS SELECT 1"},
        ConditionCase{"{ statement: do }", "DO 'BEGIN NULL; END'", "SELECT 1"},
        ConditionCase{"{ statement: create_function }",
                      "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "CALL p()"},
        ConditionCase{"{ statement: [prepare, deallocate] }", "DEALLOCATE p", "SELECT 1"},
        ConditionCase{"{ statement: alter_system }", "ALTER SYSTEM SET work_mem = '1GB'",
                      "SET work_mem = '1GB'"},
        ConditionCase{"{ statement: [load, lock, discard, cursor] }", "LOCK TABLE t", "VACUUM t"},
        ConditionCase{"{ statement: maintenance }", "VACUUM t", "LOCK TABLE t"},
        ConditionCase{"{ origin: explained }", "EXPLAIN SELECT 1", "SELECT 1"},
        ConditionCase{"{ origin: executed }", "PREPARE p AS SELECT 1; EXECUTE p",
                      "PREPARE p AS SELECT 1"},
        ConditionCase{"{ unknown_prepared: true }", "EXECUTE nobody_prepared_this",
                      "PREPARE p AS SELECT 1; EXECUTE p"},
        ConditionCase{"{ executes: false }", "EXPLAIN SELECT 1", "EXPLAIN ANALYZE SELECT 1"}));

}  // namespace
}  // namespace gh::policy
