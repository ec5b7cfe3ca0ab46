// Soundness of the analyzer's shape cache, over every corpus the guardrails are tested with
// (dangerous, review, benign, TPC-H, pgbench, psql/driver catalog queries): for each text, texts
// with the same literal shape but other literal values get, through a warm shape cache, exactly
// the facts and the agent-safe decision a fresh parse gives them. The replacement values are
// chosen to flip what literals can decide: 1=1 against 0=1, LIKE '%' against LIKE 'x'.

#include <string>
#include <vector>

#include "../sql/facts_text.h"
#include "../sql/scan_oracle.h"
#include "policy_test_util.h"
#include "sql/literal_shape.h"

namespace gh::policy {
namespace {

namespace fs = std::filesystem;
using testing::compile;
using testing::CorpusCase;
using testing::read_corpus;
using testing::read_sql_module_data;
using testing::source_dir;

std::vector<CorpusCase> every_corpus() {
  const fs::path data = source_dir() / "tests/unit/policy/data";
  std::vector<CorpusCase> all = read_corpus(data / "dangerous.sql");
  for (const auto& c : read_corpus(data / "review.sql")) all.push_back(c);
  for (const auto& entry : fs::directory_iterator(data / "benign"))
    for (const auto& c : read_corpus(entry.path())) all.push_back(c);
  for (const char* f : {"tpch.sql", "pgbench.sql", "psql_catalog.sql"})
    for (const auto& c : read_sql_module_data(f)) all.push_back(c);
  return all;
}

// The shape with its placeholders filled from the lists, in turn.
std::string fill(const std::string& shape, const std::vector<std::string>& numbers,
                 const std::vector<std::string>& strings) {
  std::string out;
  size_t n = 0, s = 0;
  for (char c : shape) {
    if (c == sql::kNumberPlaceholder) {
      out += numbers[n++ % numbers.size()];
    } else if (c == sql::kStringPlaceholder) {
      out += strings[s++ % strings.size()];
    } else {
      out += c;
    }
  }
  return out;
}

std::string decision_text(const Policy& policy, const Subject& subject, const sql::AnalyzedSql& a) {
  Decision d = policy.decide(a.statements, subject);
  return std::string(to_string(d.action)) + " " + (d.rule ? d.rule->name : std::string("-"));
}

// Every literal the scanner replaces is a constant token of PostgreSQL's own scanner: numbers
// exactly one ICONST/FCONST, strings inside one SCONST ('a' 'b' on two lines is one).
TEST(ShapeCacheSoundness, ReplacedLiteralsAreConstantTokensOfPostgresScanner) {
  constexpr int kFconst = 260, kSconst = 261, kIconst = 266;  // pg_query.proto Token
  size_t checked = 0;
  for (const CorpusCase& c : every_corpus()) {
    std::string shape;
    std::vector<sql::LiteralSpan> spans;
    if (sql::literal_shape(c.sql, shape, &spans) <= 0) continue;
    auto tokens = sql::testing::scan_tokens(c.sql);
    ASSERT_TRUE(tokens.has_value()) << c.sql;
    size_t t = 0;
    for (const auto& span : spans) {
      while (t < tokens->size() && static_cast<size_t>((*tokens)[t].end) <= span.start) ++t;
      ASSERT_LT(t, tokens->size()) << c.sql;
      const auto& tok = (*tokens)[t];
      const std::string text = c.sql.substr(span.start, span.end - span.start);
      if (span.placeholder == sql::kNumberPlaceholder) {
        EXPECT_TRUE(tok.token == kIconst || tok.token == kFconst) << text << " in " << c.sql;
        EXPECT_EQ(static_cast<size_t>(tok.start), span.start) << text;
        EXPECT_EQ(static_cast<size_t>(tok.end), span.end) << text;
      } else {
        EXPECT_EQ(tok.token, kSconst) << text << " in " << c.sql;
        EXPECT_LE(static_cast<size_t>(tok.start), span.start) << text;
        EXPECT_GE(static_cast<size_t>(tok.end), span.end) << text;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 300u);
}

TEST(ShapeCacheSoundness, SameShapeGivesTheFactsAndDecisionOfAFreshParse) {
  auto policy = compile("include: [agent-safe]");
  ASSERT_NE(policy, nullptr);
  identity::Principal principal;
  principal.subject = "agent-1";
  Subject subject{&principal, "app"};
  const std::vector<std::vector<std::string>> number_sets = {
      {"0"}, {"1"}, {"7", "1"}, {"1", "0"}, {"123456789"}, {"2", "3", "5"}};
  const std::vector<std::vector<std::string>> string_sets = {
      {"''"}, {"'%'"}, {"'x'"}, {"'t'", "'f'"}, {"'1'"}, {"'a%'", "'%'"}};
  size_t cases = 0, variants = 0, shared = 0;
  sql::AnalyzerOptions fresh_options;
  fresh_options.shape_cache_entries = 0;
  for (const CorpusCase& c : every_corpus()) {
    std::string shape;
    if (sql::literal_shape(c.sql, shape) <= 0) continue;
    ++cases;
    sql::Analyzer warm;
    warm.analyze(c.sql);  // files the facts under the shape, if they may be shared
    for (size_t k = 0; k < number_sets.size(); ++k) {
      const std::string variant = fill(shape, number_sets[k], string_sets[k]);
      if (variant == c.sql) continue;
      ++variants;
      const uint64_t hits = warm.stats().shape_hits;
      const sql::AnalyzedSql& via_cache = warm.analyze(variant);
      shared += warm.stats().shape_hits - hits;
      sql::Analyzer fresh(fresh_options);
      const sql::AnalyzedSql& parsed = fresh.analyze(variant);
      ASSERT_EQ(sql::testing::facts_text(via_cache), sql::testing::facts_text(parsed))
          << c.label << " (line " << c.line << ")\n  original: " << c.sql
          << "\n  variant:  " << variant;
      ASSERT_EQ(sql::testing::lineage_text(via_cache), sql::testing::lineage_text(parsed))
          << c.label << " (line " << c.line << ")\n  original: " << c.sql
          << "\n  variant:  " << variant;
      ASSERT_EQ(decision_text(*policy, subject, via_cache), decision_text(*policy, subject, parsed))
          << c.label << "\n  variant: " << variant;
    }
  }
  std::printf("shape cache: %zu corpus texts with literals, %zu variants, %zu served by shape\n",
              cases, variants, shared);
  EXPECT_GT(cases, 100u);
  EXPECT_GT(shared, 100u);  // the cache was exercised, not bypassed
}

}  // namespace
}  // namespace gh::policy
