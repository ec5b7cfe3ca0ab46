// The `masking:` section end to end: YAML -> config::MaskingConfig (shape, file:line) ->
// masking::MaskRules (styles, detectors, column patterns, hash key), and which rules apply to a
// session.

#include "masking/rules.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/config.h"

namespace gh::masking {
namespace {

const char* kBase = R"(connections:
  - name: app
    host: 127.0.0.1
    port: 5432
    database: app
    user: gh
    password_env: GH_TEST_MASK_PW
)";

// Loads config text (after kBase) and compiles its masking rules; returns the problems or "".
std::string problems(const std::string& masking, std::shared_ptr<const MaskRules>* out = nullptr) {
  setenv("GH_TEST_MASK_PW", "pw", 1);
  auto cfg = config::load_string(std::string(kBase) + masking, "/etc/gh.yaml");
  if (!cfg.ok()) return cfg.status().message();
  auto rules = compile_rules(cfg.value().masking, cfg.value().path);
  if (!rules.ok()) return rules.status().message();
  if (out != nullptr) *out = rules.value();
  return "";
}

TEST(MaskingRules, CompilesColumnAndDetectorRules) {
  setenv("GH_TEST_MASK_KEY", "0123456789abcdef0123456789abcdef", 1);
  std::shared_ptr<const MaskRules> rules;
  ASSERT_EQ(problems(R"(masking:
  hash_key_env: GH_TEST_MASK_KEY
  rules:
    - name: pii-columns
      columns: ["public.customers.ssn", "*.Email"]
      style: partial(last=4)
      except_groups: [compliance]
    - name: tokens
      columns: customers.card_number
      style: hash
    - name: pii-values
      detect: [credit_card, us_ssn]
      style: redact
      connections: [app]
)",
                     &rules),
            "");
  ASSERT_EQ(rules->rules().size(), 3u);
  const MaskRule& ssn = rules->rules()[0];
  EXPECT_TRUE(ssn.is_column_rule());
  EXPECT_TRUE(ssn.columns[0].matches("public", "customers", "ssn"));
  EXPECT_FALSE(ssn.columns[0].matches("other", "customers", "ssn"));
  EXPECT_TRUE(ssn.columns[1].matches("crm", "contacts", "email"));  // table.column: any schema
  EXPECT_EQ(rules->rules()[1].style.kind, StyleKind::kHash);
  ASSERT_NE(rules->hash_key(), nullptr);
  EXPECT_NE(rules->rules()[2].detect, nullptr);
  // except_groups and connections decide who is masked.
  EXPECT_EQ(rules->for_session({"compliance"}, "app").size(), 2u);
  EXPECT_EQ(rules->for_session({"analysts"}, "app").size(), 3u);
  EXPECT_EQ(rules->for_session({"analysts"}, "other").size(), 2u);
}

TEST(MaskingRules, AListIsTheRulesThemselves) {
  std::shared_ptr<const MaskRules> rules;
  ASSERT_EQ(problems("masking:\n  - { name: r, columns: [t.c], style: redact }\n"
                     "  - { name: n, columns: [t.d], style: null }\n",
                     &rules),
            "");
  ASSERT_EQ(rules->rules().size(), 2u);
  EXPECT_EQ(rules->rules()[1].style.kind, StyleKind::kNull);  // YAML's null is the null style
}

TEST(MaskingRules, EveryMistakeNamesItsLine) {
  EXPECT_EQ(
      problems("masking:\n  - { name: r, columns: [t.c], style: blur }\n"),
      "/etc/gh.yaml:9: masking.rules[0].style: invalid masking style \"blur\": unknown style; "
      "expected redact, partial(first=N), partial(last=N), hash or null");
  EXPECT_EQ(problems("masking:\n  - name: r\n    detect: [credit_card, dna]\n    style: redact\n"),
            problems("masking:\n  - name: r\n    detect: [credit_card, dna]\n    style: redact\n"));
  EXPECT_NE(problems("masking:\n  - name: r\n    detect: [credit_card, dna]\n    style: redact\n")
                .find("/etc/gh.yaml:10: masking.rules[0].detect: "),
            std::string::npos);
  EXPECT_EQ(problems("masking:\n  - { name: r, columns: [just_a_column], style: redact }\n"),
            "/etc/gh.yaml:9: masking.rules[0].columns: 'just_a_column': expected "
            "schema.table.column or table.column");
  EXPECT_EQ(problems("masking:\n  - { name: r, columns: [t.c], style: hash }\n"),
            "/etc/gh.yaml:1: masking: a rule uses style hash: set masking.hash_key_env or "
            "masking.hash_key_file (the HMAC key, at least 16 bytes)");
  EXPECT_EQ(problems("masking:\n  - { name: r, style: redact }\n"),
            "/etc/gh.yaml:9: masking.rules[0]: set either columns (which columns to mask) or "
            "detect (which kinds of values to find), not neither");
  EXPECT_EQ(problems("masking:\n  - { name: r, columns: [t.c], detect: [email], style: null }\n"),
            "/etc/gh.yaml:9: masking.rules[0]: set either columns (which columns to mask) or "
            "detect (which kinds of values to find), not both");
  EXPECT_EQ(problems("masking:\n  - { name: r, columns: [t.c] }\n"),
            "/etc/gh.yaml:9: masking.rules[0]: style is required (redact, partial(first=N), "
            "partial(last=N), hash or null)");
  EXPECT_EQ(problems("masking:\n  - { name: r, columns: [t.c], style: redact }\n"
                     "  - { name: r, columns: [t.d], style: redact }\n"),
            "/etc/gh.yaml:10: masking: rule name 'r' is used twice");
  EXPECT_EQ(
      problems("masking:\n  - { name: r, columns: [t.c], style: redact, connections: [x] }\n"),
      "/etc/gh.yaml:9: masking.rules[0].connections: no connection named 'x'");
  EXPECT_EQ(problems("masking:\n  rules: []\n  hash_key_env: NOT_SET_ANYWHERE_42\n"),
            "/etc/gh.yaml:10: masking.hash_key.password_env: environment variable "
            "'NOT_SET_ANYWHERE_42' is not set");
  EXPECT_EQ(problems("masking: 7\n"),
            "/etc/gh.yaml:8: masking: expected a list of rules, or a mapping with rules:");
}

}  // namespace
}  // namespace gh::masking
