// Renderings for `gatehouse policy explain`, and the pack text in docs/guardrails.md.

#include <sstream>

#include "policy/agent_safe_pack.h"
#include "policy/explain.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

using testing::compile;
using ::testing::HasSubstr;
using testing::Judge;

constexpr const char* kRules = R"(
rules:
  - { name: no-unfiltered, match: { statement: delete, where: absent }, action: block,
      message: "DELETE needs a WHERE" }
  - { name: watch-deletes, match: { statement: delete }, action: review, mode: dry-run }
)";

TEST(Explain, TextShowsFactsMatchesAndDecision) {
  Judge j(compile(kRules));
  const std::string sql = "SELECT 1; WITH d AS (DELETE FROM t) SELECT 2";
  Decision d = j.decide(sql);
  std::string text = explain_text(sql, j.analyzer_.analyze(sql).statements, d, j.subject());
  EXPECT_THAT(text, HasSubstr("subject: agent-1  groups=data-agents  connection=app\n"));
  EXPECT_THAT(text, HasSubstr("statement 1: SELECT 1\n"));
  EXPECT_THAT(text, HasSubstr("statement 2: WITH d AS (DELETE FROM t) SELECT 2\n"));
  EXPECT_THAT(text, HasSubstr("    [cte] delete  writes=t  where=absent\n"));
  EXPECT_THAT(text, HasSubstr("  block         no-unfiltered  (statement 2, nested (cte); "
                              "test.yaml:3)\n                DELETE needs a WHERE\n"));
  EXPECT_THAT(text, HasSubstr("  would review  watch-deletes"));
  EXPECT_THAT(text, HasSubstr("decision: block (no-unfiltered): DELETE needs a WHERE\n"));
}

TEST(Explain, AllowedAndEmpty) {
  Judge j(compile(kRules));
  Decision d = j.decide("");
  std::string text = explain_text("", {}, d, j.subject());
  EXPECT_THAT(text, HasSubstr("no statements (an empty query)"));
  EXPECT_THAT(text, HasSubstr("matched rules: none\n"));
  EXPECT_THAT(text, HasSubstr("decision: allow\n"));
}

TEST(Explain, ControlCharactersAreShownNotSent) {
  Judge j(compile(kRules));
  const std::string sql = "SELECT '\x1b[31mred'";
  std::string text =
      explain_text(sql, j.analyzer_.analyze(sql).statements, j.decide(sql), j.subject());
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_THAT(text, HasSubstr("\\x1b[31mred"));
}

TEST(Explain, Json) {
  Judge j(compile(kRules));
  const std::string sql = "DELETE FROM t";
  Decision d = j.decide(sql);
  std::string json = explain_json(sql, j.analyzer_.analyze(sql).statements, d, j.subject());
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("subject":{"principal":"agent-1","groups":["data-agents"],"connection":"app"})"));
  EXPECT_THAT(json, HasSubstr(R"("facts":{"kind":"delete","writes":["t"],"where":"absent"})"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"({"rule":"no-unfiltered","action":"block","mode":"enforce","label":"block","statement":1,"origin":"top_level","message":"DELETE needs a WHERE","source":"test.yaml:3"})"));
  EXPECT_THAT(json, HasSubstr(R"("label":"would review")"));
  EXPECT_THAT(json,
              HasSubstr(R"("decision":{"action":"block","would":"block","rule":"no-unfiltered")"));
  EXPECT_THAT(json, HasSubstr(R"("estimates_missing":[])"));
}

TEST(Explain, FactsText) {
  sql::Analyzer a;
  EXPECT_EQ(facts_text(a.analyze("COPY t TO PROGRAM 'gzip'").statements[0]),
            "copy  reads=t  copy_direction=to  copy_endpoint=program  copy_target=gzip\n");
  EXPECT_EQ(facts_text(a.analyze("SET ROLE admin").statements[0]),
            "set  setting=role  setting_action=set  setting_value=admin\n");
  EXPECT_EQ(facts_text(a.analyze("EXPLAIN DELETE FROM t").statements[0]),
            "explain\n  [explained] delete  executes=no  writes=t  where=absent\n");
}

// The pack's text is compiled in; the docs show it. They must not drift apart.
TEST(Explain, DocsShowTheAgentSafePack) {
  std::ifstream in(testing::source_dir() / "docs/guardrails.md");
  ASSERT_TRUE(in.good());
  std::stringstream doc;
  doc << in.rdbuf();
  const RulePack* pack = find_rule_pack("agent-safe");
  ASSERT_NE(pack, nullptr);
  EXPECT_NE(doc.str().find("```yaml\n" + std::string(pack->yaml) + "```"), std::string::npos)
      << "docs/guardrails.md does not show the agent-safe pack as compiled; paste the output of "
         "`gatehouse policy pack agent-safe`";
}

}  // namespace
}  // namespace gh::policy
