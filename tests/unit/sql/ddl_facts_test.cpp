// DDL (verb, object type, objects, relations changed), functions/procedures, privileges, roles.

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::texts;

class DdlFacts : public testing::SqlFactsTest {};

TEST_F(DdlFacts, CreateAlterDropTables) {
  const auto& create =
      facts("create temp table s.t (id int references other(id), like base) inherits (parent)");
  EXPECT_EQ(create.kind, StatementKind::kDdl);
  EXPECT_EQ(create.ddl.verb, DdlVerb::kCreate);
  EXPECT_EQ(create.ddl.object, ObjectType::kTable);
  EXPECT_TRUE(create.ddl.temporary);
  EXPECT_THAT(texts(create.ddl.objects), ElementsAre("s.t"));
  EXPECT_THAT(texts(create.relations_written), ElementsAre("s.t"));
  EXPECT_THAT(texts(create.relations_read), ElementsAre("other", "base", "parent"));

  const auto& alter = facts("alter table t add column c int default nextval('seq')");
  EXPECT_EQ(alter.ddl.verb, DdlVerb::kAlter);
  EXPECT_EQ(alter.ddl.object, ObjectType::kTable);
  EXPECT_THAT(texts(alter.relations_written), ElementsAre("t"));
  EXPECT_THAT(texts(alter.functions), ElementsAre("nextval"));

  const auto& drop = facts("DROP TABLE IF EXISTS s.t, u CASCADE");
  EXPECT_EQ(drop.ddl.verb, DdlVerb::kDrop);
  EXPECT_EQ(drop.ddl.object, ObjectType::kTable);
  EXPECT_TRUE(drop.ddl.cascade);
  EXPECT_THAT(texts(drop.ddl.objects), ElementsAre("s.t", "u"));
  EXPECT_THAT(texts(drop.relations_written), ElementsAre("s.t", "u"));

  EXPECT_EQ(facts("alter view v rename to w").ddl.object, ObjectType::kView);
  EXPECT_EQ(facts("alter index i set tablespace x").ddl.object, ObjectType::kIndex);
  EXPECT_THAT(texts(facts("alter table t rename column a to b").relations_written),
              ElementsAre("t"));
}

TEST_F(DdlFacts, ObjectTypesOfOtherDdl) {
  struct Case {
    const char* sql;
    DdlVerb verb;
    ObjectType object;
    const char* name;
  };
  const Case cases[] = {
      {"create schema s", DdlVerb::kCreate, ObjectType::kSchema, "s"},
      {"drop schema s cascade", DdlVerb::kDrop, ObjectType::kSchema, "s"},
      {"alter schema s rename to s2", DdlVerb::kAlter, ObjectType::kSchema, "s"},
      {"create database d", DdlVerb::kCreate, ObjectType::kDatabase, "d"},
      {"drop database d", DdlVerb::kDrop, ObjectType::kDatabase, "d"},
      {"alter database d set search_path = x", DdlVerb::kAlter, ObjectType::kDatabase, "d"},
      {"create unique index concurrently i on s.t (lower(a))", DdlVerb::kCreate, ObjectType::kIndex,
       "i"},
      {"drop index i", DdlVerb::kDrop, ObjectType::kIndex, "i"},
      {"create view v as select 1", DdlVerb::kCreate, ObjectType::kView, "v"},
      {"create materialized view mv as select 1", DdlVerb::kCreate, ObjectType::kMaterializedView,
       "mv"},
      {"create sequence q", DdlVerb::kCreate, ObjectType::kSequence, "q"},
      {"drop function f(int)", DdlVerb::kDrop, ObjectType::kFunction, "f"},
      {"drop procedure s.p", DdlVerb::kDrop, ObjectType::kProcedure, "s.p"},
      {"alter function f() security definer", DdlVerb::kAlter, ObjectType::kFunction, "f"},
      {"alter function f() owner to bob", DdlVerb::kAlter, ObjectType::kFunction, "f"},
      {"create trigger tr after insert on t for each row execute function f()", DdlVerb::kCreate,
       ObjectType::kTrigger, "tr"},
      {"create extension dblink", DdlVerb::kCreate, ObjectType::kExtension, "dblink"},
      {"drop extension dblink", DdlVerb::kDrop, ObjectType::kExtension, "dblink"},
      {"create type ty as (a int)", DdlVerb::kCreate, ObjectType::kType, "ty"},
      {"create type e as enum ('a')", DdlVerb::kCreate, ObjectType::kType, "e"},
      {"create domain dm as int", DdlVerb::kCreate, ObjectType::kDomain, "dm"},
      {"create policy p on t using (true)", DdlVerb::kCreate, ObjectType::kPolicy, "p"},
      {"create publication pub for all tables", DdlVerb::kCreate, ObjectType::kPublication, "pub"},
      {"create tablespace ts location '/x'", DdlVerb::kCreate, ObjectType::kTablespace, "ts"},
      {"create server srv foreign data wrapper postgres_fdw", DdlVerb::kCreate,
       ObjectType::kForeignServer, "srv"},
      // PostgreSQL turns a handler-less CREATE LANGUAGE into CREATE EXTENSION.
      {"create language plperlu", DdlVerb::kCreate, ObjectType::kExtension, "plperlu"},
      {"create language x handler h", DdlVerb::kCreate, ObjectType::kLanguage, "x"},
      {"create foreign table ft (a int) server srv", DdlVerb::kCreate, ObjectType::kForeignTable,
       "ft"},
      {"alter function f(int) strict", DdlVerb::kAlter, ObjectType::kFunction, "f"},
      {"comment on table t is 'x'", DdlVerb::kComment, ObjectType::kTable, "t"},
      {"create aggregate a (int) (sfunc = f, stype = int)", DdlVerb::kCreate,
       ObjectType::kAggregate, "a"},
  };
  for (const auto& c : cases) {
    const auto& f = facts(c.sql);
    EXPECT_EQ(f.kind, StatementKind::kDdl) << c.sql;
    EXPECT_EQ(f.ddl.verb, c.verb) << c.sql;
    EXPECT_EQ(f.ddl.object, c.object) << c.sql << ": " << to_string(f.ddl.object);
    EXPECT_THAT(texts(f.ddl.objects), ElementsAre(c.name)) << c.sql;
  }
}

TEST_F(DdlFacts, ViewsAndCreateTableAs) {
  const auto& view = facts("create or replace view v as select pg_read_file('x') from secrets");
  EXPECT_TRUE(view.ddl.or_replace);
  EXPECT_THAT(texts(view.relations_read), ElementsAre("secrets"));  // the definition's source
  EXPECT_THAT(texts(view.functions), ElementsAre("pg_read_file"));

  const auto& ctas = facts("create table copy_of as select * from secrets");
  EXPECT_EQ(ctas.kind, StatementKind::kDdl);
  EXPECT_TRUE(ctas.create_table_as);
  EXPECT_THAT(texts(ctas.relations_written), ElementsAre("copy_of"));
  EXPECT_THAT(texts(ctas.relations_read), ElementsAre("secrets"));
}

TEST_F(DdlFacts, FunctionsAndProcedures) {
  const auto& f = facts(
      "create or replace function f(a int default nextval('s')) returns int language sql "
      "security definer begin atomic; delete from t; select 1; end");
  EXPECT_EQ(f.kind, StatementKind::kCreateFunction);
  EXPECT_EQ(f.ddl.object, ObjectType::kFunction);
  EXPECT_TRUE(f.ddl.or_replace);
  EXPECT_EQ(f.routine.language, "sql");
  EXPECT_TRUE(f.routine.security_definer);
  EXPECT_THAT(texts(f.ddl.objects), ElementsAre("f"));
  EXPECT_THAT(f.relations_written, IsEmpty());  // the body runs when called, not now
  ASSERT_EQ(f.nested.size(), 2u);
  EXPECT_EQ(f.nested[0].kind, StatementKind::kDelete);
  EXPECT_EQ(f.nested[0].origin, NestedOrigin::kRoutineBody);
  EXPECT_FALSE(f.nested[0].executes);

  const auto& p = facts("create procedure s.p() language plpgsql as $$ begin null; end $$");
  EXPECT_EQ(p.kind, StatementKind::kCreateFunction);
  EXPECT_EQ(p.ddl.object, ObjectType::kProcedure);
  EXPECT_TRUE(p.routine.is_procedure);
  EXPECT_EQ(p.routine.language, "plpgsql");
  EXPECT_FALSE(p.routine.security_definer);
  EXPECT_THAT(texts(p.ddl.objects), ElementsAre("s.p"));
}

TEST_F(DdlFacts, RulesAndSchemaElementsAreNested) {
  const auto& rule = facts("create rule r as on insert to t do also delete from audit_log");
  EXPECT_EQ(rule.ddl.object, ObjectType::kRule);
  ASSERT_EQ(rule.nested.size(), 1u);
  EXPECT_EQ(rule.nested[0].origin, NestedOrigin::kRuleAction);
  EXPECT_FALSE(rule.nested[0].executes);
  EXPECT_THAT(texts(rule.nested[0].relations_written), ElementsAre("audit_log"));

  const auto& schema = facts("create schema s create table t (a int) create view v as select 1");
  EXPECT_THAT(texts(schema.ddl.objects), ElementsAre("s"));
  ASSERT_EQ(schema.nested.size(), 2u);
  EXPECT_EQ(schema.nested[0].origin, NestedOrigin::kSchemaElement);
  EXPECT_EQ(schema.nested[0].ddl.object, ObjectType::kTable);
  EXPECT_EQ(schema.nested[1].ddl.object, ObjectType::kView);
}

TEST_F(DdlFacts, GrantAndRevoke) {
  const auto& g = facts("grant select, insert on table a, s.b to bob, public with grant option");
  EXPECT_EQ(g.kind, StatementKind::kPrivilege);
  EXPECT_EQ(g.ddl.verb, DdlVerb::kGrant);
  EXPECT_EQ(g.ddl.object, ObjectType::kTable);
  EXPECT_THAT(texts(g.ddl.objects), ElementsAre("a", "s.b"));
  EXPECT_THAT(g.ddl.grantees, ElementsAre("bob", "public"));
  EXPECT_THAT(g.relations_read, IsEmpty());  // named, not read

  const auto& r = facts("revoke all on schema x from alice cascade");
  EXPECT_EQ(r.ddl.verb, DdlVerb::kRevoke);
  EXPECT_EQ(r.ddl.object, ObjectType::kSchema);
  EXPECT_TRUE(r.ddl.cascade);

  const auto& all = facts("grant select on all tables in schema s to x");
  EXPECT_TRUE(all.all);
  EXPECT_THAT(texts(all.ddl.objects), ElementsAre("s"));

  const auto& member = facts("grant pg_read_server_files to current_user");
  EXPECT_EQ(member.kind, StatementKind::kPrivilege);
  EXPECT_EQ(member.ddl.object, ObjectType::kRole);
  EXPECT_THAT(texts(member.ddl.objects), ElementsAre("pg_read_server_files"));
  EXPECT_THAT(member.ddl.grantees, ElementsAre("current_user"));

  const auto& defaults = facts("alter default privileges in schema s grant select on tables to r");
  EXPECT_EQ(defaults.kind, StatementKind::kPrivilege);
  EXPECT_THAT(defaults.ddl.grantees, ElementsAre("r"));
}

TEST_F(DdlFacts, RoleManagement) {
  struct Case {
    const char* sql;
    DdlVerb verb;
    std::vector<std::string> names;
  };
  const Case cases[] = {
      {"create role r superuser login", DdlVerb::kCreate, {"r"}},
      {"create user u password 'x'", DdlVerb::kCreate, {"u"}},
      {"create group g", DdlVerb::kCreate, {"g"}},
      {"alter role r nosuperuser", DdlVerb::kAlter, {"r"}},
      {"alter user current_user set search_path = x", DdlVerb::kAlter, {"current_user"}},
      {"alter role a rename to b", DdlVerb::kAlter, {"a"}},
      {"drop role if exists a, b", DdlVerb::kDrop, {"a", "b"}},
      {"drop user a", DdlVerb::kDrop, {"a"}},
      {"drop owned by a", DdlVerb::kDrop, {"a"}},
      {"reassign owned by a to b", DdlVerb::kAlter, {"a"}},
  };
  for (const auto& c : cases) {
    const auto& f = facts(c.sql);
    EXPECT_EQ(f.kind, StatementKind::kRoleManagement) << c.sql;
    EXPECT_EQ(f.ddl.verb, c.verb) << c.sql;
    EXPECT_EQ(f.ddl.object, ObjectType::kRole) << c.sql;
    EXPECT_EQ(texts(f.ddl.objects), c.names) << c.sql;
  }
  EXPECT_EQ(facts("alter role r set search_path = x").setting.target, SettingTarget::kSearchPath);
}

}  // namespace
}  // namespace gh::sql
