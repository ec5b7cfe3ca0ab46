// SELECT / INSERT / UPDATE / DELETE / MERGE: relations read and written, functions, filters,
// the select list and LIMIT, CTEs with nested DML.

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::texts;

class DmlFacts : public testing::SqlFactsTest {};

TEST_F(DmlFacts, SelectReadsEveryRelationInJoinsSubqueriesAndLateral) {
  const auto& f = facts(
      "select a.*, (select max(x) from s.scalar) from s.t a join u using (id) "
      "left join lateral (select * from v where v.id = a.id) l on true "
      "where a.id in (select id from w where exists (select 1 from x))");
  EXPECT_EQ(f.kind, StatementKind::kSelect);
  EXPECT_THAT(texts(f.relations_read), ElementsAre("s.scalar", "s.t", "u", "v", "w", "x"));
  EXPECT_THAT(f.relations_written, IsEmpty());
  EXPECT_THAT(texts(f.functions), ElementsAre("max"));
  EXPECT_TRUE(f.select_star);
  EXPECT_TRUE(f.filter.has_where);
  EXPECT_FALSE(f.filter.where_trivially_true);
}

TEST_F(DmlFacts, NamesAreAsPostgresSeesThem) {
  EXPECT_THAT(texts(facts("select 1 from Public.USERS").relations_read),
              ElementsAre("public.users"));
  EXPECT_THAT(texts(facts("select 1 from \"Users\", \"my.schema\".\"T\"").relations_read),
              ElementsAre("Users", "my.schema.T"));
  const auto& f = facts("select 1 from \"my.schema\".t");
  EXPECT_EQ(f.relations_read[0].schema, "my.schema");  // the struct keeps the parts apart
  EXPECT_EQ(f.relations_read[0].name, "t");
  EXPECT_THAT(texts(facts("select 1 from db.s.t").relations_read), ElementsAre("db.s.t"));
}

TEST_F(DmlFacts, RelationsAreListedOnce) {
  EXPECT_THAT(texts(facts("select * from t, t x, (select * from t) y").relations_read),
              ElementsAre("t"));
}

TEST_F(DmlFacts, SelectListStarAndLimit) {
  EXPECT_FALSE(facts("select a, count(*) from t").select_star);  // count(*) is not a star
  EXPECT_TRUE(facts("select t.* from t").select_star);
  EXPECT_FALSE(facts("select * from (select a from t) s").has_limit);

  const auto& limited = facts("select * from t limit 10");
  EXPECT_TRUE(limited.has_limit);
  EXPECT_EQ(limited.limit, 10);
  EXPECT_EQ(facts("select * from t fetch first 3 rows only").limit, 3);
  EXPECT_EQ(facts("select * from t fetch first row only").limit, 1);
  EXPECT_EQ(facts("select * from t limit 0").limit, 0);
  EXPECT_EQ(facts("select * from t limit 3000000000").limit, 3000000000);
  EXPECT_FALSE(facts("select * from t limit all").has_limit);
  EXPECT_FALSE(facts("select * from t limit null").has_limit);
  const auto& param = facts("select * from t limit $1");
  EXPECT_TRUE(param.has_limit);
  EXPECT_FALSE(param.limit.has_value());
  // Only the top-level select's limit counts.
  EXPECT_FALSE(facts("select * from (select * from t limit 1) s").has_limit);
}

TEST_F(DmlFacts, SetOperationsFilterOnlyIfEveryArmDoes) {
  const auto& some = facts("select * from x where a union select * from y");
  EXPECT_THAT(texts(some.relations_read), ElementsAre("x", "y"));
  EXPECT_FALSE(some.filter.has_where);
  EXPECT_TRUE(some.select_star);
  EXPECT_TRUE(facts("select a from x where a union all select a from y where b").filter.has_where);
  EXPECT_TRUE(facts("select a from x where true except select a from y where 1=1")
                  .filter.where_trivially_true);
  EXPECT_EQ(facts("select a from x union select a from y limit 5").limit, 5);
}

TEST_F(DmlFacts, InsertWritesItsTargetAndReadsItsSource) {
  const auto& f = facts("insert into audit.log (a) select a from secrets returning id, now()");
  EXPECT_EQ(f.kind, StatementKind::kInsert);
  EXPECT_THAT(texts(f.relations_written), ElementsAre("audit.log"));
  // RETURNING hands back rows of the target: a read of it too.
  EXPECT_THAT(texts(f.relations_read), ElementsAre("audit.log", "secrets"));
  EXPECT_THAT(texts(f.functions), ElementsAre("now"));

  const auto& upsert = facts(
      "insert into t values (1) on conflict (id) do update set a = excluded.a "
      "where t.b = (select b from z)");
  EXPECT_THAT(texts(upsert.relations_written), ElementsAre("t"));
  EXPECT_THAT(texts(upsert.relations_read), ElementsAre("z"));
}

TEST_F(DmlFacts, UpdateAndDeleteFilters) {
  const auto& none = facts("update t set a = 1");
  EXPECT_EQ(none.kind, StatementKind::kUpdate);
  EXPECT_FALSE(none.filter.has_where);
  const auto& some = facts("update t set a = u.a from u where t.id = u.id");
  EXPECT_TRUE(some.filter.has_where);
  EXPECT_FALSE(some.filter.where_trivially_true);
  EXPECT_THAT(texts(some.relations_read), ElementsAre("u"));
  EXPECT_THAT(texts(some.relations_written), ElementsAre("t"));

  const auto& del = facts("delete from t using u where 1 = 1");
  EXPECT_EQ(del.kind, StatementKind::kDelete);
  EXPECT_TRUE(del.filter.has_where);
  EXPECT_TRUE(del.filter.where_trivially_true);
  EXPECT_THAT(texts(del.relations_read), ElementsAre("u"));

  const auto& cursor = facts("delete from t where current of c");
  EXPECT_TRUE(cursor.filter.has_where);
  EXPECT_FALSE(cursor.filter.where_trivially_true);
}

TEST_F(DmlFacts, MergeTreatsItsOnConditionAsTheFilter) {
  const auto& f = facts(
      "merge into t using (select * from s) src on true when matched then delete "
      "when not matched then insert values (src.id)");
  EXPECT_EQ(f.kind, StatementKind::kMerge);
  EXPECT_THAT(texts(f.relations_written), ElementsAre("t"));
  EXPECT_THAT(texts(f.relations_read), ElementsAre("s"));
  EXPECT_TRUE(f.filter.has_where);
  EXPECT_TRUE(f.filter.where_trivially_true);
  EXPECT_FALSE(facts("merge into t using s on t.id = s.id when matched then delete")
                   .filter.where_trivially_true);
}

TEST_F(DmlFacts, DmlInCtesIsNestedWithItsOwnFilter) {
  const auto& f = facts("with d as (delete from t returning *) select * from d");
  EXPECT_EQ(f.kind, StatementKind::kSelect);
  // d is the CTE, not a table; t is read because RETURNING hands its rows back.
  EXPECT_THAT(texts(f.relations_read), ElementsAre("t"));
  EXPECT_THAT(texts(f.relations_written), ElementsAre("t"));  // merged from the nested DELETE
  ASSERT_EQ(f.nested.size(), 1u);
  const auto& del = f.nested[0];
  EXPECT_EQ(del.kind, StatementKind::kDelete);
  EXPECT_EQ(del.origin, NestedOrigin::kCte);
  EXPECT_TRUE(del.executes);
  EXPECT_FALSE(del.filter.has_where);

  const auto& g = facts(
      "with u as (update a set x = 1 where true returning *), "
      "i as (insert into b select * from u returning *) select * from i, c");
  EXPECT_THAT(texts(g.relations_written), ElementsAre("a", "b"));
  EXPECT_THAT(texts(g.relations_read), ElementsAre("a", "b", "c"));
  ASSERT_EQ(g.nested.size(), 2u);
  EXPECT_TRUE(g.nested[0].filter.where_trivially_true);
  EXPECT_EQ(g.nested[1].kind, StatementKind::kInsert);

  const auto& h = facts("with d as (delete from a returning *) insert into b select * from d");
  EXPECT_EQ(h.kind, StatementKind::kInsert);
  EXPECT_THAT(texts(h.relations_written), ElementsAre("a", "b"));
}

TEST_F(DmlFacts, ReturningReadsTheTarget) {
  EXPECT_THAT(texts(facts("delete from secrets").relations_read), IsEmpty());
  EXPECT_THAT(texts(facts("delete from secrets returning *").relations_read),
              ElementsAre("secrets"));
  EXPECT_THAT(texts(facts("update s.t set a = 1 returning a").relations_read), ElementsAre("s.t"));
  // A target named like a CTE in scope is still the table.
  EXPECT_THAT(texts(facts("with t as (select 1) delete from t returning *").relations_read),
              ElementsAre("t"));
}

TEST_F(DmlFacts, CteNamesFollowPostgresScoping) {
  // A non-recursive CTE does not see itself: the inner t is the table.
  EXPECT_THAT(texts(facts("with t as (select * from t) select * from t").relations_read),
              ElementsAre("t"));
  EXPECT_THAT(facts("with recursive t as (select 1 union all select * from t) select * from t")
                  .relations_read,
              IsEmpty());
  // Later CTEs see earlier ones, not the other way round.
  EXPECT_THAT(texts(facts("with a as (select * from b), b as (select * from a) select * from b")
                        .relations_read),
              ElementsAre("b"));
  // A CTE is visible only inside the statement that defines it.
  EXPECT_THAT(
      texts(facts("select * from (with x as (select 1) select * from x) s, x").relations_read),
      ElementsAre("x"));
  // A schema-qualified name is never a CTE.
  EXPECT_THAT(texts(facts("with t as (select 1) select * from public.t").relations_read),
              ElementsAre("public.t"));
  // DML targets are always tables.
  EXPECT_THAT(texts(facts("with t as (select 1) insert into t select * from t").relations_written),
              ElementsAre("t"));
}

TEST_F(DmlFacts, SelectIntoCreatesATable) {
  const auto& f = facts("select * into temp copy_of from secrets");
  EXPECT_EQ(f.kind, StatementKind::kDdl);
  EXPECT_TRUE(f.select_into);
  EXPECT_EQ(f.ddl.verb, DdlVerb::kCreate);
  EXPECT_EQ(f.ddl.object, ObjectType::kTable);
  EXPECT_TRUE(f.ddl.temporary);
  EXPECT_THAT(texts(f.relations_written), ElementsAre("copy_of"));
  EXPECT_THAT(texts(f.relations_read), ElementsAre("secrets"));
}

TEST_F(DmlFacts, FunctionsAnywhereInTheTree) {
  const auto& f = facts(
      "select pg_catalog.pg_read_file('/etc/passwd'), lower(name) from t "
      "join lateral dblink('host=x', 'select 1') d(x int) on true "
      "where id = any(select lo_import('/tmp/x')) group by 1 "
      "having count(*) filter (where pg_sleep(1) is null) > 0 order by random()");
  EXPECT_THAT(texts(f.functions), ElementsAre("pg_catalog.pg_read_file", "lower", "dblink",
                                              "lo_import", "count", "pg_sleep", "random"));
  EXPECT_THAT(texts(facts("select * from pg_ls_dir('.')").functions), ElementsAre("pg_ls_dir"));
  EXPECT_THAT(texts(facts("values (pg_terminate_backend(1))").functions),
              ElementsAre("pg_terminate_backend"));
  EXPECT_THAT(texts(facts("update t set a = set_config('role', 'x', false)").functions),
              ElementsAre("set_config"));
}

}  // namespace
}  // namespace gh::sql
