// Loading guardrails: rule and condition problems as `file:line: problem`, includes of files
// and packs, and the config's `guardrails:` section.

#include <unistd.h>

#include "config/config.h"
#include "policy/agent_safe_pack.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

namespace fs = std::filesystem;
using testing::compile;
using ::testing::HasSubstr;
using testing::problems;

// A fresh folder for include files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gh-policy-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(PolicyLoad, AMinimalRule) {
  auto p = compile(R"(
rules:
  - name: delete-needs-where
    match: { statement: [delete, update], where: absent }
    action: block
    message: "UPDATE/DELETE without WHERE is not allowed for agents"
    groups: [data-agents]
    mode: dry-run
)");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->rules().size(), 1u);
  const Rule& r = p->rules()[0];
  EXPECT_EQ(r.name, "delete-needs-where");
  EXPECT_EQ(r.action, Action::kBlock);
  EXPECT_EQ(r.mode, Mode::kDryRun);
  EXPECT_EQ(r.where.file, "test.yaml");
  EXPECT_EQ(r.where.line, 3);
  EXPECT_EQ(r.scope.groups, std::vector<std::string>{"data-agents"});
  EXPECT_EQ(p->sources(), std::vector<std::string>{"test.yaml"});
}

TEST(PolicyLoad, DefaultMessages) {
  auto p = compile(R"(
rules:
  - { name: b, match: { statement: truncate }, action: block }
  - { name: r, match: { statement: ddl }, action: review }
)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->rules()[0].message, "blocked by guardrail rule 'b'");
  EXPECT_EQ(p->rules()[1].message, "requires approval under guardrail rule 'r'");
}

TEST(PolicyLoad, UnknownConditionNamesAreReportedWithLine) {
  EXPECT_EQ(problems(R"(
rules:
  - name: x
    match:
      statment: delete
    action: block
)"),
            "test.yaml:5: unknown key 'statment' in match conditions (did you mean "
            "'statement'?)");
}

TEST(PolicyLoad, UnknownStatementKindNamesTheValidOnes) {
  std::string p = problems(R"(
rules:
  - name: x
    match:
      statement:
        - delete
        - dropp
    action: block
)");
  EXPECT_THAT(p, HasSubstr("test.yaml:7: guardrails.rules[0].match.statement: unknown value "
                           "'dropp' (expected select, insert, update, delete"));
  EXPECT_THAT(p, HasSubstr("unparseable)"));
}

TEST(PolicyLoad, UnknownEnumValuesOfOtherConditions) {
  EXPECT_THAT(problems("rules:\n  - { name: x, match: { verb: destroy }, action: block }\n"),
              HasSubstr("test.yaml:2: guardrails.rules[0].match.verb: unknown value 'destroy' "
                        "(expected create, alter, drop, comment, grant, revoke)"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: { copy_endpoint: pipe }, action: block }\n"),
              HasSubstr("expected stdio, file, program"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: { where: missing }, action: block }\n"),
              HasSubstr("match.where: unknown value 'missing'"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: { limit: none }, action: block }\n"),
              HasSubstr("match.limit: expected absent or present"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: { select_star: maybe }, action: block }\n"),
              HasSubstr("match.select_star: expected true or false"));
  EXPECT_THAT(
      problems("rules:\n  - { name: x, match: { origin: [cte, inside] }, action: block }\n"),
      HasSubstr("match.origin: unknown value 'inside'"));
}

TEST(PolicyLoad, BadGlobs) {
  std::string p = problems(R"(
rules:
  - name: x
    match:
      functions: ["pg_[rw]*", "", "a..b", "a.b.c.d", "pg read"]
    action: block
)");
  EXPECT_THAT(p, HasSubstr("test.yaml:5: guardrails.rules[0].match.functions: bad name pattern "
                           "'pg_[rw]*': '[' is not pattern syntax here (only * and ? are)"));
  EXPECT_THAT(p, HasSubstr("match.functions: empty value"));
  p = problems("rules:\n  - { name: x, match: { relations: [\"a..b\"] }, action: block }\n");
  EXPECT_THAT(p, HasSubstr("bad name pattern 'a..b': an empty part"));
  p = problems("rules:\n  - { name: x, match: { relations: [a.b.c.d] }, action: block }\n");
  EXPECT_THAT(p, HasSubstr("more than three dot-separated parts"));
  p = problems("rules:\n  - { name: x, match: { relations: [\"pg read\"] }, action: block }\n");
  EXPECT_THAT(p, HasSubstr("whitespace in a name pattern"));
  p = problems("rules:\n  - { name: x, match: { setting: [\"{a,b}\"] }, action: block }\n");
  EXPECT_THAT(p, HasSubstr("match.setting: bad pattern '{a,b}'"));
}

TEST(PolicyLoad, UnknownActionAndMode) {
  EXPECT_EQ(problems("rules:\n  - { name: x, match: {}, action: deny }\n"),
            "test.yaml:2: guardrails.rules[0].action: expected one of allow|review|block, got "
            "'deny'");
  EXPECT_EQ(problems("rules:\n  - { name: x, match: {}, action: block, mode: audit }\n"),
            "test.yaml:2: guardrails.rules[0].mode: expected one of enforce|dry-run, got 'audit'");
}

TEST(PolicyLoad, DuplicateRuleNames) {
  EXPECT_EQ(problems(R"(
rules:
  - { name: no-truncate, match: { statement: truncate }, action: block }
  - { name: other, match: { statement: ddl }, action: review }
  - { name: no-truncate, match: { statement: truncate }, action: review }
)"),
            "test.yaml:5: duplicate rule name 'no-truncate' (first defined at test.yaml:3)");
}

TEST(PolicyLoad, MissingPartsOfARule) {
  std::string p = problems("rules:\n  - { message: hi }\n  - oops\n");
  EXPECT_THAT(p, HasSubstr("test.yaml:2: guardrails.rules[0]: name is required"));
  EXPECT_THAT(p, HasSubstr("test.yaml:2: guardrails.rules[0]: match is required"));
  EXPECT_THAT(p, HasSubstr("test.yaml:2: guardrails.rules[0]: action is required"));
  EXPECT_THAT(p, HasSubstr("test.yaml:3: guardrails.rules[1]: expected a rule"));
  EXPECT_THAT(problems("rules: {}\n"), HasSubstr("guardrails.rules: expected a list of rules"));
  EXPECT_THAT(problems("rules:\n  - { name: \"a b\", match: {}, action: block }\n"),
              HasSubstr("'a b' is not a rule name"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: {}, action: block, approvers: [dba] }\n"),
              HasSubstr("only a review rule has approvers and min_approvals"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: {}, action: block, min_approvals: 2 }\n"),
              HasSubstr("only a review rule has approvers and min_approvals"));
  EXPECT_THAT(problems("rules:\n  - { name: x, match: {}, action: review, min_approvals: 0 }\n"),
              HasSubstr("a whole number from 1 to 10"));
  auto two = compile("rules:\n  - { name: x, match: {}, action: review, min_approvals: 2 }\n");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->rules().front().min_approvals, 2);
  EXPECT_THAT(problems("rules:\n  - { name: x, match: {}, action: block, colour: red }\n"),
              HasSubstr("unknown key 'colour' in rule"));
  EXPECT_THAT(
      problems("rules:\n  - name: x\n    match:\n    action: block\n"),
      HasSubstr("test.yaml:3: guardrails.rules[0].match: expected a mapping of conditions"));
  EXPECT_THAT(problems("rulez: []\n"),
              HasSubstr("unknown key 'rulez' in guardrails (did you mean 'rules'?)"));
}

TEST(PolicyLoad, CostConditions) {
  auto p = compile(R"(
rules:
  - { name: a, match: { estimated_rows: "> 1000" }, action: review }
  - { name: b, match: { estimated_cost: ">=2.5e6" }, action: review }
  - { name: c, match: { estimated_rows: "< 10" }, action: allow }
)");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->has_cost_rules());
  EXPECT_EQ(p->rules()[0].match.estimated_rows->text(), "> 1000");
  EXPECT_EQ(p->rules()[1].match.estimated_cost->text(), ">= 2500000");
  EXPECT_EQ(p->rules()[2].match.estimated_rows->text(), "< 10");
  EXPECT_THAT(
      problems("rules:\n  - { name: x, match: { estimated_rows: lots }, action: review }\n"),
      HasSubstr("test.yaml:2: guardrails.rules[0].match.estimated_rows: expected a "
                "comparison such as \"> 100000\""));
  EXPECT_THAT(
      problems("rules:\n  - { name: x, match: { estimated_rows: \"> -5\" }, action: review }\n"),
      HasSubstr("with a number >= 0"));
  EXPECT_THAT(
      problems("rules:\n  - { name: x, match: { estimated_rows: \"> $n\" }, action: review }\n"),
      HasSubstr("unknown parameter '$n'"));
}

TEST(PolicyLoad, EveryProblemInOneRun) {
  std::string p = problems(R"(
rules:
  - { name: a, match: { statment: delete }, action: block }
  - { name: b, match: { statement: dropp }, action: block }
  - { name: c, match: { functions: ["x[1]"] }, action: block }
  - { name: d, match: {}, action: deny }
  - { name: a, match: {}, action: block }
)");
  EXPECT_EQ(std::count(p.begin(), p.end(), '\n'), 4) << p;
  for (const char* line :
       {"test.yaml:3:", "test.yaml:4:", "test.yaml:5:", "test.yaml:6:", "test.yaml:7:"})
    EXPECT_THAT(p, HasSubstr(line));
}

TEST(PolicyLoad, TheAgentSafePackLoads) {
  auto p = compile("include: [agent-safe]");
  ASSERT_TRUE(p);
  EXPECT_GE(p->rules().size(), 15u);
  EXPECT_EQ(p->sources(), (std::vector<std::string>{"test.yaml", "agent-safe"}));
  for (const Rule& r : p->rules()) {
    EXPECT_EQ(r.name.rfind("agent-safe/", 0), 0u) << r.name;
    EXPECT_EQ(r.pack, "agent-safe");
    EXPECT_EQ(r.where.file, "agent-safe (built-in pack)");
    EXPECT_FALSE(r.message.empty());
  }
  const Rule* estimate = p->find_rule("agent-safe/bulk-read-estimate");
  ASSERT_NE(estimate, nullptr);
  EXPECT_EQ(estimate->match.estimated_rows->text(), "> 100000");
}

TEST(PolicyLoad, PackOptions) {
  auto p = compile(R"(
include:
  - pack: agent-safe
    mode: dry-run
    except: [agent-safe/truncate]
    bulk_read_rows: 5000
)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->find_rule("agent-safe/truncate"), nullptr);
  for (const Rule& r : p->rules()) EXPECT_EQ(r.mode, Mode::kDryRun) << r.name;
  EXPECT_EQ(p->find_rule("agent-safe/bulk-read-estimate")->match.estimated_rows->text(), "> 5000");

  EXPECT_EQ(problems("include: [agent-unsafe]\n"),
            "test.yaml:1: guardrails.include[0]: unknown rule pack 'agent-unsafe' (built-in "
            "packs: agent-safe; a rules file ends in .yaml or .yml)");
  EXPECT_THAT(problems("include:\n  - { pack: agent-safe, except: [agent-safe/nope] }\n"),
              HasSubstr("test.yaml:2: guardrails.include: 'agent-safe' has no rule named "
                        "'agent-safe/nope'"));
  EXPECT_THAT(problems("include:\n  - { pack: agent-safe, bulk_read_rows: many }\n"),
              HasSubstr("test.yaml:2: guardrails.include[0].bulk_read_rows: expected a whole "
                        "number >= 0"));
  EXPECT_THAT(problems("include:\n  - { pack: agent-safe, colour: red }\n"),
              HasSubstr("unknown key 'colour' in pack include"));
  EXPECT_THAT(problems("include:\n  - { pack: agent-safe, file: x.yaml }\n"),
              HasSubstr("set exactly one of pack and file"));
  EXPECT_THAT(problems("include:\n  - agent-safe\n  - agent-safe\n"),
              HasSubstr("test.yaml:3: guardrails.include[1]: 'agent-safe' is already included on "
                        "line 2"));
}

TEST(PolicyLoad, IncludedFiles) {
  TempDir dir;
  dir.write("rules/billing.yaml", R"(# billing guardrails
rules:
  - name: billing-writes
    match: { relations_written: ["billing.*"] }
    action: review
)");
  auto p = compile(R"(
include: [rules/billing.yaml, agent-safe]
rules:
  - { name: mine, match: { statement: lock }, action: block }
)",
                   dir.path());
  ASSERT_TRUE(p);
  // The section's own rules first, then the includes in order.
  EXPECT_EQ(p->rules().front().name, "mine");
  EXPECT_EQ(p->rules()[1].name, "billing-writes");
  EXPECT_EQ(p->rules()[1].where.file, (dir.path() / "rules/billing.yaml").string());
  EXPECT_EQ(p->rules()[1].where.line, 3);
  EXPECT_EQ(p->sources().size(), 3u);
}

TEST(PolicyLoad, ProblemsInIncludedFilesNameThatFile) {
  TempDir dir;
  fs::path f = dir.write("bad.yaml", R"(rules:
  - name: x
    match: { statement: dropp }
    action: block
  - name: mine
    match: {}
    action: allow
)");
  std::string p = problems(R"(
include: [bad.yaml, missing.yml]
rules:
  - { name: mine, match: {}, action: block }
)",
                           dir.path());
  EXPECT_THAT(p, HasSubstr(f.string() + ":3: rules[0].match.statement: unknown value 'dropp'"));
  EXPECT_THAT(p, HasSubstr(f.string() + ":5: duplicate rule name 'mine' (first defined at "
                                        "test.yaml:4)"));
  EXPECT_THAT(p, HasSubstr("test.yaml:2: guardrails.include[1]: cannot read '" +
                           (dir.path() / "missing.yml").string() + "': no such file"));
}

TEST(PolicyLoad, IncludedFileShape) {
  TempDir dir;
  dir.write("list.yaml", "- name: x\n");
  dir.write("broken.yaml", "rules: [\n");
  dir.write("extra.yaml", "rules: []\ninclude: [agent-safe]\n");
  EXPECT_THAT(problems("include: [list.yaml]", dir.path()),
              HasSubstr("list.yaml:1: expected a mapping with a rules: list"));
  EXPECT_THAT(problems("include: [broken.yaml]", dir.path()),
              HasSubstr("broken.yaml:2: invalid YAML"));
  EXPECT_THAT(problems("include: [extra.yaml]", dir.path()),
              HasSubstr("extra.yaml:2: unknown key 'include' in rules file"));
}

TEST(PolicyLoad, SearchPath) {
  auto p = compile("search_path: [App, public]\nrules: []\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->search_path(), (std::vector<std::string>{"app", "public"}));
  EXPECT_EQ(compile("rules: []\n")->search_path(), std::vector<std::string>{"public"});
}

// The config keeps the section as YAML; policy/ reports its problems at the config's lines.
TEST(PolicyLoad, FromTheConfigFile) {
  const std::string text = R"(connections:
  - name: app
    user: app
guardrails:
  include: [agent-safe]
  rules:
    - name: x
      match: { statement: [delete, dropp] }
      action: block
)";
  auto cfg = config::load_string(text, "/etc/gatehouse/gatehouse.yaml", false);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_TRUE(cfg->guardrails.node);
  EXPECT_EQ(cfg->guardrails.where.line, 4);
  auto p = load_policy(*cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              HasSubstr("/etc/gatehouse/gatehouse.yaml:8: guardrails.rules[0].match.statement: "
                        "unknown value 'dropp'"));

  auto bad = config::load_string("connections: [{name: app, user: app}]\nguardrails: [x]\n",
                                 "g.yaml", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "g.yaml:2: guardrails: expected a mapping with include and/or rules");
}

TEST(PolicyLoad, NoGuardrailsSectionAllowsEverything) {
  auto cfg = config::load_string("connections: [{name: app, user: app}]\n", "g.yaml", false);
  ASSERT_TRUE(cfg.ok());
  auto p = load_policy(*cfg);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.value()->rules().empty());
  testing::Judge j(p.value());
  EXPECT_EQ(j.action("DROP DATABASE production"), Action::kAllow);
}

}  // namespace
}  // namespace gh::policy
