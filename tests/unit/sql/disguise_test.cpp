// Facts come from the parse tree, so the ways of writing a statement that defeat text matching
// change nothing: comments, case, quoting, Unicode escapes, dollar quoting, several statements.

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::texts;

class Disguises : public testing::SqlFactsTest {};

TEST_F(Disguises, CommentsAndCase) {
  for (const char* sql :
       {"DeLeTe/**/FROM t", "delete--x\nfrom t", "/* a */ DELETE /* b */ FROM t",
        "DELETE FROM/* nested /* comment */ still */t", "\n\tdelete\n from\tt ;"}) {
    const auto& f = facts(sql);
    EXPECT_EQ(f.kind, StatementKind::kDelete) << sql;
    EXPECT_THAT(texts(f.relations_written), ElementsAre("t")) << sql;
    EXPECT_FALSE(f.filter.has_where) << sql;
  }
  EXPECT_EQ(facts("select 1 -- ; delete from t").kind, StatementKind::kSelect);
  EXPECT_EQ(facts("select '; delete from t'").kind, StatementKind::kSelect);
}

TEST_F(Disguises, QuotedIdentifiersKeepTheirCase) {
  EXPECT_THAT(texts(facts("delete from \"Users\"").relations_written), ElementsAre("Users"));
  EXPECT_THAT(texts(facts("delete from \"users\"").relations_written), ElementsAre("users"));
  EXPECT_THAT(texts(facts("delete from USERS").relations_written), ElementsAre("users"));
  EXPECT_THAT(texts(facts("delete from \"we\"\"ird\"").relations_written), ElementsAre("we\"ird"));
  EXPECT_THAT(texts(facts("select \"PG_READ_FILE\"('x')").functions), ElementsAre("PG_READ_FILE"));
  EXPECT_THAT(texts(facts("select PG_Catalog.PG_READ_FILE('x')").functions),
              ElementsAre("pg_catalog.pg_read_file"));
}

TEST_F(Disguises, UnicodeEscapesAreDecoded) {
  EXPECT_THAT(texts(facts("select * from U&\"d\\0061ta\"").relations_read), ElementsAre("data"));
  EXPECT_THAT(texts(facts("select * from U&\"d!0061ta\" UESCAPE '!'").relations_read),
              ElementsAre("data"));
  EXPECT_THAT(texts(facts("select U&\"pg_read_\\0066ile\"('/etc/passwd')").functions),
              ElementsAre("pg_read_file"));
  EXPECT_EQ(facts("copy t to program U&'\\0063url evil'").copy.target, "curl evil");
}

TEST_F(Disguises, DollarQuotingHidesNothingButStrings) {
  const auto& f = facts("select $$ ; delete from t; $$, $x$ $$ $x$ from s");
  EXPECT_EQ(f.kind, StatementKind::kSelect);
  EXPECT_THAT(texts(f.relations_read), ElementsAre("s"));
  EXPECT_THAT(f.relations_written, IsEmpty());
  EXPECT_EQ(facts("copy t to program $q$rm -rf /$q$").copy.target, "rm -rf /");
}

TEST_F(Disguises, EveryStatementOfAMessageIsAnalyzed) {
  const std::string sql = "select 1; DELETE FROM t; update u set a = 1 where true;";
  const AnalyzedSql& a = analyzer_.analyze(sql);
  ASSERT_EQ(a.statements.size(), 3u);
  EXPECT_EQ(a.statements[0].kind, StatementKind::kSelect);
  EXPECT_EQ(a.statements[1].kind, StatementKind::kDelete);
  EXPECT_EQ(a.statements[2].kind, StatementKind::kUpdate);
  EXPECT_TRUE(a.statements[2].filter.where_trivially_true);
  // Each statement knows where it is in the text.
  EXPECT_EQ(sql.substr(a.statements[1].text_offset, a.statements[1].text_length), " DELETE FROM t");
  EXPECT_EQ(sql.substr(a.statements[2].text_offset, a.statements[2].text_length),
            " update u set a = 1 where true");
  EXPECT_EQ(a.statements[0].text_offset, 0u);
}

TEST_F(Disguises, PrepareThenExecuteInOneMessage) {
  const AnalyzedSql& a = analyzer_.analyze("PREPARE x AS DELETE FROM t; EXECUTE x");
  ASSERT_EQ(a.statements.size(), 2u);
  EXPECT_EQ(a.statements[0].nested.at(0).kind, StatementKind::kDelete);
  EXPECT_EQ(a.statements[1].kind, StatementKind::kExecute);
  EXPECT_EQ(a.statements[1].name, "x");
}

TEST_F(Disguises, WritesHiddenInsideReads) {
  EXPECT_THAT(texts(facts("with x as (delete from t returning 1) select 1").relations_written),
              ElementsAre("t"));
  EXPECT_THAT(texts(facts("explain analyze with x as (update t set a=1 returning 1) select 1")
                        .relations_written),
              ElementsAre("t"));
  EXPECT_THAT(texts(facts("explain (analyze, buffers) insert into t values (1)").relations_written),
              ElementsAre("t"));
  EXPECT_EQ(facts("select * into t2 from t").kind, StatementKind::kDdl);
}

TEST_F(Disguises, EmptyQueriesHaveNoStatements) {
  for (const char* sql : {"", " ", ";", ";;", "-- only a comment", "/* c */"}) {
    const AnalyzedSql& a = analyzer_.analyze(sql);
    EXPECT_TRUE(a.statements.empty()) << sql;
    EXPECT_TRUE(a.parsed()) << sql;
  }
}

}  // namespace
}  // namespace gh::sql
