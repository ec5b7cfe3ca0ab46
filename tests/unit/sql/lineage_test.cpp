// Output-column lineage (StatementFacts::output_columns) through the real Analyzer: where each
// column of the rows a client receives comes from, so that masking follows a value through
// aliases, expressions, subqueries, CTEs, set operations, whole-row references and RETURNING.
// Rendered with lineage_text (facts_text.h): name=direct|derived|star|opaque[sources].

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using testing::lineage_text;

class Lineage : public testing::SqlFactsTest {
 protected:
  std::string lineage(std::string_view sql) { return lineage_text(analyzer_.analyze(sql)); }
};

TEST_F(Lineage, PgbenchSelectIsOneDirectColumn) {
  const auto& f = facts("SELECT abalance FROM pgbench_accounts WHERE aid = 5");
  ASSERT_TRUE(f.has_lineage);
  EXPECT_TRUE(f.lineage_complete);
  ASSERT_EQ(f.output_columns.size(), 1u);
  const OutputColumn& c = f.output_columns[0];
  EXPECT_EQ(c.name, "abalance");
  EXPECT_TRUE(c.direct);
  EXPECT_FALSE(c.star);
  EXPECT_FALSE(c.opaque);
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].relation.name, "pgbench_accounts");
  EXPECT_EQ(c.sources[0].column, "abalance");
}

TEST_F(Lineage, ColumnReferencesResolveAliasesAndKeepQuotedCase) {
  EXPECT_EQ(lineage("select ssn, c.ssn, \"SSN\", c.\"Ssn\" as x from public.customers c"),
            "ssn=direct[public.customers.ssn]; ssn=direct[public.customers.ssn]; "
            "SSN=direct[public.customers.SSN]; x=direct[public.customers.Ssn]");
  EXPECT_EQ(lineage("select public.customers.ssn, customers.name from customers"),
            "ssn=direct[customers.ssn]; name=direct[customers.name]");
  EXPECT_EQ(lineage("select db.public.customers.ssn from db.public.customers"),
            "ssn=direct[db.public.customers.ssn]");
  // The column alias is only the name the client sees.
  EXPECT_EQ(lineage("select c.ssn as harmless from customers c"), "harmless=direct[customers.ssn]");
}

TEST_F(Lineage, UnqualifiedNameIsACandidateOfEveryRelationInScope) {
  const auto& f = facts("select ssn as x from customers c, orders o");
  ASSERT_EQ(f.output_columns.size(), 1u);
  EXPECT_TRUE(f.output_columns[0].direct);
  EXPECT_EQ(lineage("select ssn as x from customers c, orders o"),
            "x=direct[customers.ssn,orders.ssn]");
  // A subquery's named column is certain; the table beside it may still have the name.
  EXPECT_EQ(lineage("select s from (select ssn as s from customers) x, orders"),
            "s=direct[customers.ssn,orders.s]");
}

TEST_F(Lineage, ExpressionsAreDerivedFromEveryColumnTheyRead) {
  EXPECT_EQ(lineage("select upper(ssn), ssn || name, substring(ssn from 1 for 3), "
                    "ssn::int + 1 from customers"),
            "upper=derived[customers.ssn] fn[upper]; "
            "?column?=derived[customers.ssn,customers.name]; "
            "substring=derived[customers.ssn] fn[pg_catalog.substring]; "
            "?column?=derived[customers.ssn]");
  EXPECT_EQ(lineage("select count(ssn), max(ssn), lag(ssn) over (partition by id) from customers"),
            "count=derived[customers.ssn] fn[count]; max=derived[customers.ssn] fn[max]; "
            "lag=derived[customers.ssn,customers.id] fn[lag]");
  EXPECT_EQ(lineage("select case when vip then ssn else name end, coalesce(ssn, 'x'), array[ssn], "
                    "row(ssn, 1), json_build_object('s', ssn) from customers"),
            "case=derived[customers.vip,customers.ssn,customers.name]; "
            "coalesce=derived[customers.ssn]; ?column?=derived[customers.ssn]; "
            "?column?=derived[customers.ssn]; "
            "json_build_object=derived[customers.ssn] fn[json_build_object]");
  EXPECT_EQ(lineage("select string_agg(name, ',' order by ssn), count(*) filter (where ssn > '') "
                    "from customers"),
            "string_agg=derived[customers.name,customers.ssn] fn[string_agg]; "
            "count=derived[customers.ssn] fn[count]");
  // Casts keep the column's name for the client, not its directness.
  EXPECT_EQ(lineage("select ssn::text from customers"), "ssn=derived[customers.ssn]");
}

TEST_F(Lineage, ValuesWithoutColumnsHaveNoSources) {
  EXPECT_EQ(lineage("select 1, now(), current_user, $1"),
            "?column?=derived[]; now=derived[] fn[now]; ?column?=derived[]; ?column?=derived[]");
  EXPECT_EQ(lineage("select count(*) from customers"), "count=derived[] fn[count]");
  EXPECT_EQ(lineage("select from customers"), "(no columns)");
}

TEST_F(Lineage, WholeRowReferences) {
  // `c` may also be a column named c; the whole row covers both.
  EXPECT_EQ(lineage("select c from customers c"), "c=derived[customers.c,customers.*]");
  EXPECT_EQ(lineage("select row_to_json(c), to_jsonb(c.*), row(c.*), c::text from customers c"),
            "row_to_json=derived[customers.c,customers.*] fn[row_to_json]; "
            "to_jsonb=derived[customers.*] fn[to_jsonb]; ?column?=derived[customers.*]; "
            "c=derived[customers.c,customers.*]");
  EXPECT_EQ(lineage("select json_agg(x) from (select ssn, name from customers) x"),
            "json_agg=derived[customers.ssn,customers.name] fn[json_agg]");
  EXPECT_EQ(lineage("select (c).ssn from customers c"), "ssn=derived[customers.c,customers.*]");
}

TEST_F(Lineage, StarOverTablesStaysStarOverSubqueriesExpands) {
  EXPECT_EQ(lineage("select * from customers"), "*=star[customers.*]");
  EXPECT_EQ(lineage("select c.*, o.id from customers c join orders o on o.cid = c.id"),
            "*=star[customers.*]; id=direct[orders.id]");
  EXPECT_EQ(lineage("select * from customers c, orders o"),
            "*=star[customers.*]; *=star[orders.*]");
  EXPECT_EQ(lineage("select * from (select ssn as s, name from customers) x"),
            "s=direct[customers.ssn]; name=direct[customers.name]");
  EXPECT_EQ(lineage("select * from (select * from customers) x"), "*=star[customers.*]");
  EXPECT_EQ(lineage("select s from (select * from customers) x"), "s=direct[customers.s]");
  EXPECT_EQ(lineage("select * from customers tablesample bernoulli (10)"), "*=star[customers.*]");
  const auto& f = facts("select * from customers");
  ASSERT_EQ(f.output_columns.size(), 1u);
  EXPECT_TRUE(f.output_columns[0].star);
  EXPECT_FALSE(f.output_columns[0].direct);
}

TEST_F(Lineage, SubqueriesInFromAndColumnAliases) {
  EXPECT_EQ(lineage("select x.s, s from (select ssn as s, name from customers) x"),
            "s=direct[customers.ssn]; s=direct[customers.ssn]");
  EXPECT_EQ(lineage("select a, b from (select ssn, name from customers) x(a, b)"),
            "a=direct[customers.ssn]; b=direct[customers.name]");
  // Renamed columns of a table: which column is `a` is the catalog's business.
  EXPECT_EQ(lineage("select a from customers c(a, b)"), "a=derived[customers.*]");
  EXPECT_EQ(lineage("select * from customers c(a, b)"), "*=star[customers.*]");
}

TEST_F(Lineage, CommonTableExpressions) {
  EXPECT_EQ(lineage("with c as (select ssn from customers) select * from c"),
            "ssn=direct[customers.ssn]");
  EXPECT_EQ(lineage("with c(s) as (select ssn from customers) select upper(s) from c"),
            "upper=derived[customers.ssn] fn[upper]");
  EXPECT_EQ(lineage("with a as (select ssn from customers), b as (select ssn as t from a) "
                    "select t from b"),
            "t=direct[customers.ssn]");
  // An inner WITH shadows an outer one of the same name only inside its query.
  EXPECT_EQ(lineage("with x as (select 1 as a) select * from "
                    "(with x as (select ssn as a from customers) select a from x) y, x"),
            "a=direct[customers.ssn]; a=derived[]");
  // In a non-recursive WITH, a CTE's own name inside its query is a table.
  EXPECT_EQ(lineage("with customers as (select ssn from customers) select ssn from customers"),
            "ssn=direct[customers.ssn]");
}

TEST_F(Lineage, RecursiveCtesReachAFixpoint) {
  EXPECT_EQ(lineage("with recursive r(n, s) as (select 1, ssn from customers "
                    "union all select n + 1, s from r) select * from r"),
            "n=derived[]; s=direct[customers.ssn]");
  EXPECT_EQ(lineage("with recursive r as (select id, ssn from customers "
                    "union all select r.id, upper(r.ssn) from r) select ssn from r"),
            "ssn=derived[customers.ssn] fn[upper]");
  // A column that takes another's value on recursion gets that one's sources too.
  EXPECT_EQ(lineage("with recursive r(a, b, c) as (select id, name, ssn from customers "
                    "union all select b, c, a from r) select a from r"),
            "a=direct[customers.id,customers.name,customers.ssn]");
  // A forward reference in WITH RECURSIVE is not followed.
  EXPECT_EQ(lineage("with recursive a as (select * from b), b as (select ssn from customers) "
                    "select * from a"),
            "(no columns) (incomplete)");
}

TEST_F(Lineage, DataModifyingCtesFeedTheirReturning) {
  EXPECT_EQ(lineage("with d as (delete from customers returning *) select * from d"),
            "*=star[customers.*]");
  EXPECT_EQ(lineage("with d as (delete from customers returning ssn) select upper(ssn) from d"),
            "upper=derived[customers.ssn] fn[upper]");
  // The nested DELETE's own facts carry no lineage: its rows do not reach the client.
  const auto& f = facts("with d as (delete from customers returning ssn) select ssn from d");
  ASSERT_EQ(f.nested.size(), 1u);
  EXPECT_FALSE(f.nested[0].has_lineage);
}

TEST_F(Lineage, LateralSubqueriesAndFunctions) {
  EXPECT_EQ(lineage("select * from customers c, lateral (select c.ssn as s) l"),
            "*=star[customers.*]; s=direct[customers.ssn]");
  EXPECT_EQ(lineage("select l.s from customers c cross join lateral "
                    "(select upper(c.ssn) as s) l"),
            "s=derived[customers.ssn] fn[upper]");
  EXPECT_EQ(lineage("select u from customers c, unnest(c.tags) u"),
            "u=derived[customers.u,customers.tags] fn[unnest]");
  EXPECT_EQ(lineage("select g from generate_series(1, 3) g"), "g=derived[] fn[generate_series]");
  EXPECT_EQ(lineage("select x.a from customers c, json_to_record(c.doc) as x(a int, b text)"),
            "a=derived[customers.doc] fn[json_to_record]");
  EXPECT_EQ(lineage("select * from json_to_record((select doc from docs)) as x(a int, b text)"),
            "a=derived[docs.doc] fn[json_to_record]; b=derived[docs.doc] fn[json_to_record]");
  // Without a column definition list, how many columns a function returns is unknown.
  EXPECT_EQ(lineage("select * from customers c, json_populate_record(null::customers, c.doc) j"),
            "*=star[customers.*]; "
            "json_populate_record=opaque[customers.doc] fn[json_populate_record] (incomplete)");
}

TEST_F(Lineage, NonLateralSubqueriesDoNotSeeTheirSiblings) {
  // `x` in the FROM subquery cannot be t's column; it is the outer query's.
  EXPECT_EQ(lineage("select (select * from (select x) s, (select 1 as x) t) from outer_t"),
            "?column?=derived[outer_t.x]");
}

TEST_F(Lineage, JoinUsingMergesBothSides) {
  EXPECT_EQ(lineage("select id, x from a join b using (id)"),
            "id=direct[a.id,b.id]; x=direct[a.x,b.x]");
  EXPECT_EQ(lineage("select * from a join b using (id)"),
            "id=direct[a.id,b.id]; *=star[a.*] except[id]; *=star[b.*] except[id]");
  EXPECT_EQ(lineage("select * from a full join b using (id) join c using (id)"),
            "id=direct[a.id,b.id,c.id]; *=star[a.*] except[id]; *=star[b.*] except[id]; "
            "*=star[c.*] except[id]");
  EXPECT_EQ(lineage("select a.*, b.* from a join b using (id)"), "*=star[a.*]; *=star[b.*]");
  EXPECT_EQ(lineage("select j.id from (a join b using (id)) j"), "id=direct[a.id,b.id]");
  EXPECT_EQ(lineage("select * from (select ssn, id from customers) s join b using (id)"),
            "id=direct[customers.id,b.id]; ssn=direct[customers.ssn]; *=star[b.*] except[id]");
}

TEST_F(Lineage, NaturalJoinUnderStarIsIncomplete) {
  EXPECT_EQ(lineage("select * from a natural join b"), "*=star[a.*]; *=star[b.*] (incomplete)");
  EXPECT_EQ(lineage("select x from a natural join b"), "x=direct[a.x,b.x]");
}

TEST_F(Lineage, Values) {
  EXPECT_EQ(lineage("values (1, 'a'), (2, 'b')"), "column1=derived[]; column2=derived[]");
  EXPECT_EQ(lineage("select * from (values (1, 'a')) v(x, y)"), "x=derived[]; y=derived[]");
  EXPECT_EQ(
      lineage("select v.column2 from customers c, lateral (values (1, c.ssn), (2, c.name)) v"),
      "column2=derived[customers.ssn,customers.name]");
}

TEST_F(Lineage, SetOperationsUnionEveryArm) {
  EXPECT_EQ(lineage("select ssn from customers union select name from people"),
            "ssn=direct[customers.ssn,people.name]");
  EXPECT_EQ(lineage("select ssn from customers union all select upper(ssn) from customers"),
            "ssn=derived[customers.ssn] fn[upper]");
  EXPECT_EQ(lineage("select 1 as a, ssn from x intersect select 2, ssn from y except "
                    "select 3, name from z"),
            "a=derived[]; ssn=direct[x.ssn,y.ssn,z.name]");
  EXPECT_EQ(lineage("select s.x from (select 1 as x union select ssn from customers) s"),
            "x=derived[customers.ssn]");
  // Positions past a `*` are the catalog's: fail closed.
  EXPECT_EQ(lineage("select * from customers union select * from people"),
            "*=derived[customers.*,people.*] (incomplete)");
}

TEST_F(Lineage, SubqueriesInExpressions) {
  EXPECT_EQ(lineage("select (select max(ssn) from customers) from dual"),
            "?column?=derived[customers.ssn,dual.ssn] fn[max]");
  EXPECT_EQ(lineage("select (select c.ssn from orders o limit 1) from customers c"),
            "?column?=derived[customers.ssn]");
  EXPECT_EQ(lineage("select (select ssn from orders o limit 1) from customers c"),
            "?column?=derived[orders.ssn,customers.ssn]");
  EXPECT_EQ(lineage("select exists (select ssn from customers), 1 in (select id from t) from d"),
            "?column?=derived[customers.ssn,d.ssn]; ?column?=derived[t.id,d.id]");
  EXPECT_EQ(lineage("select array(select ssn from customers), "
                    "(select row(c.*) from customers c limit 1)"),
            "?column?=derived[customers.ssn]; ?column?=derived[customers.*]");
}

// Filtering can still leak a value by inference (WHERE ssn LIKE '1%'); that is out of scope.
TEST_F(Lineage, FiltersAndOrderingDoNotFeedValues) {
  EXPECT_EQ(lineage("select distinct on (ssn) name from customers c join orders o on o.x = c.ssn "
                    "where ssn > 'a' group by name having count(ssn) > 1 order by ssn limit 3"),
            "name=direct[customers.name,orders.name]");
  EXPECT_EQ(lineage("select name from customers where id in (select id from secrets)"),
            "name=direct[customers.name]");
}

TEST_F(Lineage, CompositeExpansionOfUnknownWidthIsOpaque) {
  const auto& f = facts("select (f(ssn)).* from customers");
  EXPECT_FALSE(f.lineage_complete);
  ASSERT_EQ(f.output_columns.size(), 1u);
  EXPECT_TRUE(f.output_columns[0].opaque);
  EXPECT_EQ(lineage("select (f(ssn)).* from customers"),
            "*=opaque[customers.ssn] fn[f] (incomplete)");
}

TEST_F(Lineage, ReferencesPostgresWouldRefuseAreIncomplete) {
  EXPECT_EQ(lineage("select t.* from customers c"), "*=opaque[] (incomplete)");
  EXPECT_EQ(lineage("select x.nope from (select 1 as a) x"), "nope=opaque[] (incomplete)");
  EXPECT_EQ(lineage("select nope"), "nope=opaque[] (incomplete)");
}

TEST_F(Lineage, CompositeFieldsAreDerivedFromTheColumn) {
  EXPECT_EQ(lineage("select addr.zip from customers"), "zip=derived[customers.addr]");
  EXPECT_EQ(lineage("select c.addr.zip from customers c"), "zip=derived[customers.addr]");
}

TEST_F(Lineage, InsertReturningIsTheTargetAndWhatWasWritten) {
  EXPECT_EQ(lineage("insert into customers (ssn) values ('1') returning ssn, id"),
            "ssn=direct[customers.ssn]; id=direct[customers.id]");
  EXPECT_EQ(lineage("insert into archive (x) select ssn from customers returning x"),
            "x=derived[archive.x,customers.ssn]");
  // A `*` of the target cannot carry another relation's columns: fail closed.
  EXPECT_EQ(lineage("insert into archive select * from customers returning *"),
            "*=star[archive.*] (incomplete)");
  EXPECT_EQ(lineage("insert into t as x values (1) on conflict (id) do update "
                    "set v = (select ssn from customers) returning x.v"),
            "v=derived[t.v,customers.ssn,t.ssn]");
  EXPECT_EQ(lineage("insert into t values (1)"), "");  // no RETURNING: no rows
}

TEST_F(Lineage, UpdateAndDeleteReturning) {
  EXPECT_EQ(lineage("update customers set ssn = 'x' returning ssn, name"),
            "ssn=direct[customers.ssn]; name=direct[customers.name]");
  EXPECT_EQ(lineage("update customers c set name = o.x from orders o returning c.name, o.y"),
            "name=derived[customers.name,orders.x]; y=direct[orders.y]");
  EXPECT_EQ(lineage("update t set x = x + 1 returning *"), "*=star[t.*]");
  EXPECT_EQ(lineage("update t set x = u.y from u returning *"),
            "*=star[t.*]; *=star[u.*] (incomplete)");
  EXPECT_EQ(lineage("delete from customers c using orders o where o.id = c.id "
                    "returning c.ssn, o.*"),
            "ssn=direct[customers.ssn]; *=star[orders.*]");
  EXPECT_EQ(lineage("with s as (select ssn from customers) update t set x = s.ssn from s "
                    "returning t.x"),
            "x=derived[t.x,customers.ssn]");
}

TEST_F(Lineage, CopyTo) {
  EXPECT_EQ(lineage("copy customers to stdout"), "*=star[customers.*]");
  EXPECT_EQ(lineage("copy public.customers (ssn, name) to stdout with (format csv)"),
            "ssn=direct[public.customers.ssn]; name=direct[public.customers.name]");
  EXPECT_EQ(lineage("copy (select upper(ssn) from customers) to stdout"),
            "upper=derived[customers.ssn] fn[upper]");
  EXPECT_EQ(lineage("copy (delete from customers returning ssn) to stdout"),
            "ssn=direct[customers.ssn]");
  EXPECT_EQ(lineage("copy customers from stdin"), "");
}

TEST_F(Lineage, CursorsAndPreparedStatements) {
  const auto& cursor = facts("declare cur cursor for select ssn from customers");
  EXPECT_EQ(cursor.kind, StatementKind::kCursor);
  EXPECT_EQ(lineage_text(cursor), "ssn=direct[customers.ssn]");
  const auto& prepared = facts("prepare p as select ssn from customers where id = $1");
  EXPECT_FALSE(prepared.has_lineage);
  ASSERT_EQ(prepared.nested.size(), 1u);
  EXPECT_TRUE(prepared.nested[0].has_lineage);
  EXPECT_EQ(lineage_text(prepared), "{ssn=direct[customers.ssn]}");
  EXPECT_EQ(lineage("prepare q as update t set x = 1 returning x"), "{x=direct[t.x]}");
}

TEST_F(Lineage, CallReturnsARowOfUnknownShape) {
  EXPECT_EQ(lineage("call p(1, 'x')"), "*=opaque[] fn[p] (incomplete)");
  EXPECT_EQ(lineage("call s.p((select ssn from customers limit 1))"),
            "*=opaque[customers.ssn] fn[s.p] (incomplete)");
}

TEST_F(Lineage, StatementsWithoutDataRowsHaveNone) {
  for (const char* sql :
       {"explain analyze select ssn from customers", "explain select ssn from customers",
        "select ssn into newt from customers", "create table x as select ssn from customers",
        "fetch 10 from cur", "execute p(1)", "show search_path", "set role bob"}) {
    EXPECT_EQ(lineage(sql), "") << sql;
  }
}

TEST_F(Lineage, EveryStatementOfAMessageHasItsOwn) {
  EXPECT_EQ(lineage("select ssn from customers; select name from people"),
            "ssn=direct[customers.ssn] | name=direct[people.name]");
}

TEST_F(Lineage, DoesNotDependOnLiterals) {
  // Facts are shared between texts of one literal shape.
  EXPECT_EQ(lineage("select ssn, 1 from customers where id = 5 limit 1"),
            lineage("select ssn, 2 from customers where id = 7 limit 10"));
  EXPECT_EQ(lineage("values (1, 'a')"), lineage("values (2, 'bb')"));
}

TEST_F(Lineage, DeepNestingStaysBoundedAndFailsClosed) {
  // Deep scalar subqueries: the lineage walk bounds its depth like the tree walk does.
  std::string sql = "select ";
  for (int i = 0; i < 90; ++i) sql += "(select ";
  sql += "ssn from customers";
  for (int i = 0; i < 90; ++i) sql += ")";
  const auto& f = facts(sql);
  ASSERT_TRUE(f.has_lineage);
  ASSERT_EQ(f.output_columns.size(), 1u);
  EXPECT_EQ(f.output_columns[0].sources.size(), 1u);

  AnalyzerOptions small;
  small.max_nesting = 40;  // the JSON depth the walks accept follows from it
  Analyzer analyzer(small);
  std::string deep = "select ";
  for (int i = 0; i < 38; ++i) deep += "upper(";
  deep += "ssn";
  for (int i = 0; i < 38; ++i) deep += ")";
  deep += " from customers";
  const AnalyzedSql& a = analyzer.analyze(deep);
  ASSERT_TRUE(a.parsed()) << testing::facts_text(a);
  EXPECT_EQ(a.statements[0].output_columns.size(), 1u);
}

TEST_F(Lineage, WideStatementsStayBounded) {
  // Many unqualified references against many tables: candidates multiply; the work bound
  // gives up (incomplete) rather than spend without limit.
  std::string sql = "select ";
  for (int i = 0; i < 600; ++i) sql += (i ? ", c" : "c") + std::to_string(i);
  sql += " from ";
  for (int i = 0; i < 600; ++i) sql += (i ? ", t" : "t") + std::to_string(i);
  const auto& f = facts(sql);
  ASSERT_TRUE(f.has_lineage);
  EXPECT_FALSE(f.lineage_complete);
  // Kept as columns without sources (the facts are cached; their size stays bounded).
  EXPECT_EQ(f.output_columns.size(), 600u);
  EXPECT_TRUE(f.output_columns[0].opaque);
  EXPECT_TRUE(f.output_columns[0].sources.empty());

  std::string wide = "select ";
  for (int i = 0; i < 1700; ++i) wide += i ? ", 1" : "1";
  const auto& w = facts(wide);
  EXPECT_TRUE(w.has_lineage);
  EXPECT_FALSE(w.lineage_complete);
  EXPECT_TRUE(w.output_columns.empty());  // more than PostgreSQL accepts
}

}  // namespace
}  // namespace gh::sql
