// The literal-shape scanner: what it replaces, what it copies, where it gives up; and the
// Analyzer's shape cache (facts shared only where no fact depends on a literal's value).

#include "sql/literal_shape.h"

#include <string>

#include "sql/analyzer.h"
#include "sql_test_util.h"

namespace gh::sql {
namespace {

// The shape with placeholders shown as `#` (number) and `?` (string); "<none>" without one.
std::string shape_of(std::string_view sql) {
  std::string shape;
  if (literal_shape(sql, shape) < 0) return "<none>";
  for (char& c : shape) {
    if (c == kNumberPlaceholder) c = '#';
    if (c == kStringPlaceholder) c = '?';
  }
  return shape;
}

TEST(LiteralShape, ReplacesNumbersAndPlainStrings) {
  EXPECT_EQ(shape_of("SELECT abalance FROM pgbench_accounts WHERE aid = 17;"),
            "SELECT abalance FROM pgbench_accounts WHERE aid = #;");
  EXPECT_EQ(shape_of("select 1.5, 2e10, 3E-2, 'it''s', ''"), "select #, #, #, ?, ?");
  EXPECT_EQ(shape_of("insert into t values (-5, 'a'\n'b')"), "insert into t values (-#, ?\n?)");
  std::string shape;
  EXPECT_EQ(literal_shape("select 1, 'a', $1", shape), 2);
  EXPECT_EQ(literal_shape("select a from t", shape), 0);
}

TEST(LiteralShape, CopiesNamesParametersCommentsAndQuotedBodies) {
  EXPECT_EQ(shape_of("select t1.c2, $1, $12 from t1"), "select t1.c2, $1, $12 from t1");
  EXPECT_EQ(shape_of("select \"col 1\", \"a\"\"b\" from \"T2\""),
            "select \"col 1\", \"a\"\"b\" from \"T2\"");
  EXPECT_EQ(shape_of("select 1 -- 2 and '3'\n, 4"), "select # -- 2 and '3'\n, #");
  EXPECT_EQ(shape_of("select /* 1 /* '2' */ 3 */ 4"), "select /* 1 /* '2' */ 3 */ #");
  EXPECT_EQ(shape_of("select $$ 1 ' $$, $f$ it's $$ 2 $f$, 3"),
            "select $$ 1 ' $$, $f$ it's $$ 2 $f$, #");
  EXPECT_EQ(shape_of("select a$1 from t"), "select a$1 from t");
  EXPECT_EQ(shape_of("select 'é', \"ü\" from t"), "select ?, \"ü\" from t");
}

TEST(LiteralShape, GivesUpWhereItCouldGuessWrong) {
  for (const char* sql : {
           "select E'a\\'b'",                  // escape string
           "select e'x'",                      // lower-case prefix
           "select 'a\\' or 1=1 --'",          // backslash: standard_conforming_strings decides
           "select B'101', X'1F'",             // bit strings
           "select N'x'",                      // national character
           "select U&'d\\0061t'",              // Unicode escape string
           "select U&\"a!0066\" UESCAPE '!'",  // UESCAPE changes the name's meaning
           "select u&\"a\" from t",            //
           "select 'unterminated",             //
           "select \"unterminated",            //
           "select /* unterminated",           //
           "select $a$ unterminated",          //
           "select $ 1",                       // stray dollar
           "select 0x1F",
           "select 1_000",
           "select .5",
           "select 1.",
           "select 1.e",
           "select a from t where a=1and b=2",  // PostgreSQL 15 lexes 1and as 1 and
           "select 1$$ 2 $$",                   // 1, then a dollar quote
           "select 1\x01",                      // a placeholder byte in the text
           "select '\x02'",                     //
       }) {
    EXPECT_EQ(shape_of(sql), "<none>") << sql;
  }
}

TEST(ShapeCache, TextsDifferingOnlyInLiteralsShareOneParse) {
  Analyzer analyzer;
  analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 17;");
  const AnalyzedSql& a =
      analyzer.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = 904211;");
  EXPECT_EQ(analyzer.stats().parses, 1u);
  EXPECT_EQ(analyzer.stats().shape_hits, 1u);
  ASSERT_EQ(a.statements.size(), 1u);
  EXPECT_EQ(a.statements[0].kind, StatementKind::kSelect);
  EXPECT_EQ(a.statements[0].text_length, 0u);  // the whole text, whichever text it is
  // Inserts and updates with values in the text, as ORMs send them.
  analyzer.analyze("UPDATE pgbench_accounts SET abalance = abalance + -4 WHERE aid = 5;");
  analyzer.analyze("UPDATE pgbench_accounts SET abalance = abalance + -3120 WHERE aid = 77;");
  analyzer.analyze("insert into h (tid, mtime) values (1, 'now')");
  analyzer.analyze("insert into h (tid, mtime) values (9, 'yesterday')");
  EXPECT_EQ(analyzer.stats().parses, 3u);
  EXPECT_EQ(analyzer.stats().shape_hits, 3u);
}

TEST(ShapeCache, FactsFromLiteralValuesAreNotShared) {
  Analyzer analyzer;
  // `1=2` is a real filter, `1=1` is not: they must not share facts.
  const auto& a = analyzer.analyze("delete from t where 1=2");
  EXPECT_TRUE(a.statements[0].depends_on_literals);
  EXPECT_FALSE(a.statements[0].filter.where_trivially_true);
  const auto& b = analyzer.analyze("delete from t where 1=1");
  EXPECT_TRUE(b.statements[0].filter.where_trivially_true);
  const auto& c = analyzer.analyze("delete from t where x like 'a%'");
  EXPECT_FALSE(c.statements[0].filter.where_trivially_true);
  const auto& d = analyzer.analyze("delete from t where x like '%'");
  EXPECT_TRUE(d.statements[0].filter.where_trivially_true);
  analyzer.analyze("select * from t limit 10");
  const auto& e = analyzer.analyze("select * from t limit 1000000");
  EXPECT_EQ(e.statements[0].limit, 1000000);
  EXPECT_EQ(analyzer.stats().shape_hits, 0u);
  EXPECT_EQ(analyzer.stats().parses, 6u);
  // A column on the left decides "not constant" without reading the literal.
  EXPECT_FALSE(analyzer.analyze("delete from t where id = 5").statements[0].depends_on_literals);
  EXPECT_FALSE(analyzer.analyze("delete from t where id in (1, 2) and k between 1 and 9")
                   .statements[0]
                   .depends_on_literals);
}

TEST(ShapeCache, OnlySingleDmlStatementsAreShared) {
  Analyzer analyzer;
  for (const char* pair :
       {"set search_path = 'a'|set search_path = 'b'", "copy t to '/tmp/a'|copy t to '/tmp/b'",
        "select 1; select 2|select 3; select 4", "explain select 1|explain select 2"}) {
    std::string both(pair);
    const size_t bar = both.find('|');
    analyzer.analyze(both.substr(0, bar));
    analyzer.analyze(both.substr(bar + 1));
  }
  EXPECT_EQ(analyzer.stats().shape_hits, 0u);
  EXPECT_EQ(analyzer.analyze("copy t to '/tmp/b'").statements[0].copy.target, "/tmp/b");
}

TEST(ShapeCache, CanBeTurnedOff) {
  AnalyzerOptions options;
  options.shape_cache_entries = 0;
  Analyzer analyzer(options);
  analyzer.analyze("select a from t where id = 1");
  analyzer.analyze("select a from t where id = 2");
  EXPECT_EQ(analyzer.stats().parses, 2u);
  EXPECT_EQ(analyzer.stats().shape_hits, 0u);
}

}  // namespace
}  // namespace gh::sql
