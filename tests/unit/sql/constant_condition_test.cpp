// WHERE conditions that hold for every row: the forms a "DELETE/UPDATE needs a WHERE" rule must
// see through, and the ones that really filter.

#include "sql_test_util.h"

namespace gh::sql {
namespace {

class TrivialWhere : public testing::SqlFactsTest {
 protected:
  bool trivially_true(const std::string& condition) {
    const auto& f = facts("delete from t where " + condition);
    EXPECT_TRUE(f.filter.has_where) << condition;
    return f.filter.where_trivially_true;
  }
};

TEST_F(TrivialWhere, ConstantTrueConditions) {
  const char* cases[] = {
      "true",
      "TRUE",
      "1=1",
      "1 = 1.0",
      "0.5 = .5",
      "'a'='a'",
      "'1' = 1",
      "2 > 1",
      "1 <> 2",
      "1 != 2",
      "-1 < 0",
      "NOT false",
      "NOT (1 = 2)",
      "NOT NOT true",
      "1=1 OR x",
      "x OR 1=1",
      "x > 3 OR 'a' = 'a'",
      "TRUE AND TRUE",
      "(1=1) AND ('b' = 'b') AND NOT FALSE",
      "'t'::bool",
      "'yes'",
      "'on'::boolean",
      "1::bool",
      "'1'::int = 1",
      "true = true",
      "NULL IS NULL",
      "1 IS NOT NULL",
      "(1=1) IS TRUE",
      "false IS NOT TRUE",
      "NULL::bool IS UNKNOWN",
      "1 IN (3, 2, 1)",
      "1 NOT IN (2, 3)",
      "2 BETWEEN 1 AND 3",
      "2 BETWEEN SYMMETRIC 3 AND 1",
      "5 NOT BETWEEN 1 AND 3",
      "1 IS NOT DISTINCT FROM 1",
      "NULL IS NOT DISTINCT FROM NULL",
      "1 IS DISTINCT FROM 2",
      "EXISTS (SELECT 1)",
      "EXISTS (SELECT 1 WHERE true)",
      "id = id",
      "t.id >= t.id",
      "id IS NOT DISTINCT FROM id",
      "name LIKE '%'",
      "name ILIKE '%%'",
      "'abc' LIKE '%'",
      "1 OPERATOR(pg_catalog.=) 1",
  };
  for (const char* c : cases) EXPECT_TRUE(trivially_true(c)) << c;
}

TEST_F(TrivialWhere, RealFiltersAndUndecidableOnes) {
  const char* cases[] = {
      "false",
      "1=2",
      "'a'='b'",
      "NULL",
      "NULL = NULL",
      "1 = NULL",
      "NOT true",
      "true AND false",
      "true AND x",
      "x OR false",
      "id = 1",
      "id = $1",
      "id > id",
      "id = other_id",
      "a.id = b.id",
      "'a' < 'b'",    // depends on the collation
      "'abc'::bool",  // not a boolean literal: PostgreSQL refuses it
      "1 IN (2, 3)",
      "1 IN (2, x)",
      "1 NOT IN (1, 2)",
      "1 NOT IN (2, NULL)",
      "5 BETWEEN 1 AND 3",
      "NULL IS NOT NULL",
      "EXISTS (SELECT 1 FROM u)",
      "EXISTS (SELECT 1 WHERE false)",
      "EXISTS (SELECT 1 LIMIT 0)",
      "name LIKE 'a%'",
      "name NOT LIKE '%'",
      "now() > '2000-01-01'",
      "random() < 2",
      "current of c",
      "1 = 1::text::int + 0",
  };
  for (const char* c : cases) EXPECT_FALSE(trivially_true(c)) << c;
}

TEST_F(TrivialWhere, AppliesToSelectUpdateAndNestedDml) {
  EXPECT_TRUE(facts("select * from t where 1=1").filter.where_trivially_true);
  EXPECT_TRUE(facts("update t set a = 1 where 'x' = 'x'").filter.where_trivially_true);
  const auto& f = facts("with d as (delete from t where true returning *) select * from d");
  ASSERT_EQ(f.nested.size(), 1u);
  EXPECT_TRUE(f.nested[0].filter.where_trivially_true);
  EXPECT_FALSE(f.filter.has_where);
}

// libpg_query 15-4.0.0 prints -5 like 0 ("ival": {}); the literal's text decides.
TEST_F(TrivialWhere, NegativeIntegersAreNotZero) {
  EXPECT_FALSE(trivially_true("-1 = 0"));
  EXPECT_FALSE(trivially_true("0 = -5"));
  EXPECT_TRUE(trivially_true("-5 = - 5"));
  EXPECT_TRUE(trivially_true("0 = 0"));
  EXPECT_TRUE(trivially_true("-5 < 0"));
  EXPECT_EQ(facts("select 1 limit -1").limit, -1);
  EXPECT_EQ(facts("set statement_timeout = -1").setting.value, "-1");
}

TEST_F(TrivialWhere, DeepConditionsAreNotDecided) {
  std::string c = "true";
  for (int i = 0; i < 200; ++i) c = "NOT NOT (" + c + ")";
  EXPECT_FALSE(trivially_true(c));  // bounded evaluation: unknown, never a crash
}

}  // namespace
}  // namespace gh::sql
