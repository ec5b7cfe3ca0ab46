// The audit checkpoints and the sessions index in the SQLite store.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_session_query.h"
#include "store/state_store.h"

namespace gh::store {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kSec;  // some time in 2026

class SqliteAuditIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gh_store_audit_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    data_dir_ = (root_ / "data").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<StateStore> open() {
    auto s = open_sqlite_store(data_dir_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  fs::path root_;
  std::string data_dir_;
};

AuditCheckpoint checkpoint(uint32_t stream, uint64_t segment, uint64_t seq) {
  AuditCheckpoint c;
  c.stream = stream;
  c.segment = segment;
  c.seq = seq;
  c.hash_hex = std::string(64, "0123456789abcdef"[seq % 16]);
  c.time_ns = kT0 + static_cast<int64_t>(seq) * kSec;
  c.signature_b64 = "sig-" + std::to_string(stream) + "-" + std::to_string(seq) + "==";
  return c;
}

SessionIndexEntry session(std::string id, std::string principal, std::string connection,
                          int64_t started_ns) {
  SessionIndexEntry s;
  s.session_id = std::move(id);
  s.principal = std::move(principal);
  s.principal_kind = "api_key";
  s.groups = "eng,ci";
  s.connection = std::move(connection);
  s.client = "10.0.0.7:51234";
  s.user = "app";
  s.application_name = "psql";
  s.tls = true;
  s.started_ns = started_ns;
  s.stream = 2;
  s.start_seq = 17;
  return s;
}

std::vector<std::string> ids(const std::vector<SessionIndexEntry>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.session_id);
  return out;
}

TEST_F(SqliteAuditIndexTest, CheckpointsRoundTripInInsertionOrder) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->list_audit_checkpoints()->empty());
  // Insertion order, not (stream, seq) order: the verifier sees what was stored when.
  std::vector<AuditCheckpoint> in = {checkpoint(3, 0, 40), checkpoint(0, 1, 7),
                                     checkpoint(3, 1, 90), checkpoint(65535, 0, 1)};
  in[1].seq = (1ull << 62) + 5;  // large values survive the int64 columns
  in[1].segment = 1ull << 40;
  for (const auto& c : in) ASSERT_TRUE(store->add_audit_checkpoint(c).ok());
  auto out = store->list_audit_checkpoints();
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out->at(i).stream, in[i].stream);
    EXPECT_EQ(out->at(i).segment, in[i].segment);
    EXPECT_EQ(out->at(i).seq, in[i].seq);
    EXPECT_EQ(out->at(i).hash_hex, in[i].hash_hex);
    EXPECT_EQ(out->at(i).time_ns, in[i].time_ns);
    EXPECT_EQ(out->at(i).signature_b64, in[i].signature_b64);
  }
}

TEST_F(SqliteAuditIndexTest, CheckpointsWrittenByTheServerAreSeenByTheCli) {
  auto server = open();
  auto cli = open();
  EXPECT_TRUE(cli->list_audit_checkpoints()->empty());
  ASSERT_TRUE(server->add_audit_checkpoint(checkpoint(1, 0, 5)).ok());
  ASSERT_EQ(cli->list_audit_checkpoints()->size(), 1u);
  EXPECT_EQ(cli->list_audit_checkpoints()->at(0).seq, 5u);
}

TEST_F(SqliteAuditIndexTest, SessionStartAndEnd) {
  auto store = open();
  SessionIndexEntry s = session("s-1", "ci-bot", "app", kT0);
  ASSERT_TRUE(store->index_session_start(s).ok());

  auto open_row = store->get_session("s-1");
  ASSERT_TRUE(open_row.ok()) << open_row.status().message();
  EXPECT_EQ(open_row->principal, "ci-bot");
  EXPECT_EQ(open_row->principal_kind, "api_key");
  EXPECT_EQ(open_row->groups, "eng,ci");
  EXPECT_EQ(open_row->connection, "app");
  EXPECT_EQ(open_row->client, "10.0.0.7:51234");
  EXPECT_EQ(open_row->user, "app");
  EXPECT_EQ(open_row->application_name, "psql");
  EXPECT_TRUE(open_row->tls);
  EXPECT_EQ(open_row->started_ns, kT0);
  EXPECT_EQ(open_row->ended_ns, 0);  // open
  EXPECT_EQ(open_row->end_reason, "");
  EXPECT_EQ(open_row->statements, 0u);
  EXPECT_EQ(open_row->stream, 2u);
  EXPECT_EQ(open_row->start_seq, 17u);

  ASSERT_TRUE(store->index_session_end("s-1", kT0 + 5 * kSec, "client_terminate", 42).ok());
  auto closed = store->get_session("s-1");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->ended_ns, kT0 + 5 * kSec);
  EXPECT_EQ(closed->end_reason, "client_terminate");
  EXPECT_EQ(closed->statements, 42u);
  EXPECT_EQ(closed->principal, "ci-bot");  // the rest is untouched
}

TEST_F(SqliteAuditIndexTest, StartFieldsForTheEndAreIgnored) {
  auto store = open();
  SessionIndexEntry s = session("s-1", "p", "c", kT0);
  s.ended_ns = kT0 + 1;
  s.end_reason = "x";
  s.statements = 9;
  ASSERT_TRUE(store->index_session_start(s).ok());
  EXPECT_EQ(store->get_session("s-1")->ended_ns, 0);
  EXPECT_EQ(store->get_session("s-1")->statements, 0u);
}

TEST_F(SqliteAuditIndexTest, BadSessionCalls) {
  auto store = open();
  auto missing = store->get_session("nope");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "no session 'nope'");

  Status end = store->index_session_end("nope", kT0, "x", 1);
  EXPECT_EQ(end.code(), Status::Code::kNotFound);
  EXPECT_EQ(end.message(), "sessions index: no session 'nope'");

  ASSERT_TRUE(store->index_session_start(session("s-1", "p", "c", kT0)).ok());
  Status dup = store->index_session_start(session("s-1", "q", "d", kT0 + 1));
  EXPECT_EQ(dup.code(), Status::Code::kInvalid);
  EXPECT_EQ(dup.message(), "sessions index: session 's-1' is indexed already");
  EXPECT_EQ(store->get_session("s-1")->principal, "p");

  Status empty = store->index_session_start(session("", "p", "c", kT0));
  EXPECT_EQ(empty.code(), Status::Code::kInvalid);
  EXPECT_EQ(empty.message(), "sessions index: session id is empty");
}

TEST_F(SqliteAuditIndexTest, ListFiltersByTimePrincipalAndConnection) {
  auto store = open();
  // a: [0, 10)   b: [5, 20)   c: [30, open)   d: [40, 41) other principal/connection
  ASSERT_TRUE(store->index_session_start(session("a", "alice", "app", kT0)).ok());
  ASSERT_TRUE(store->index_session_start(session("b", "bob", "app", kT0 + 5 * kSec)).ok());
  ASSERT_TRUE(store->index_session_start(session("c", "alice", "app", kT0 + 30 * kSec)).ok());
  ASSERT_TRUE(store->index_session_start(session("d", "bob", "warehouse", kT0 + 40 * kSec)).ok());
  ASSERT_TRUE(store->index_session_end("a", kT0 + 10 * kSec, "client_terminate", 1).ok());
  ASSERT_TRUE(store->index_session_end("b", kT0 + 20 * kSec, "idle_timeout", 2).ok());
  ASSERT_TRUE(store->index_session_end("d", kT0 + 41 * kSec, "client_terminate", 0).ok());

  auto list = [&](SessionFilter f) {
    auto r = store->list_sessions(f);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? ids(*r) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{"d", "c", "b", "a"}));  // newest first

  SessionFilter f;
  f.since_ns = kT0 + 15 * kSec;  // a ended before; b overlaps; c open
  EXPECT_EQ(list(f), (V{"d", "c", "b"}));
  f.since_ns = kT0 + 20 * kSec;  // ended exactly at `since` still counts
  EXPECT_EQ(list(f), (V{"d", "c", "b"}));
  f.since_ns = kT0 + 21 * kSec;
  EXPECT_EQ(list(f), (V{"d", "c"}));
  f.since_ns = kT0 + 100 * kSec;  // only the open session
  EXPECT_EQ(list(f), (V{"c"}));

  f = {};
  f.until_ns = kT0 + 30 * kSec;  // c started exactly at `until`: excluded
  EXPECT_EQ(list(f), (V{"b", "a"}));
  f.since_ns = kT0 + 6 * kSec;
  f.until_ns = kT0 + 7 * kSec;
  EXPECT_EQ(list(f), (V{"b", "a"}));

  f = {};
  f.principal = "alice";
  EXPECT_EQ(list(f), (V{"c", "a"}));
  f.connection = "app";
  EXPECT_EQ(list(f), (V{"c", "a"}));
  f.principal = "bob";
  EXPECT_EQ(list(f), (V{"b"}));
  f.principal = "";
  f.connection = "warehouse";
  EXPECT_EQ(list(f), (V{"d"}));
  f.connection = "nope";
  EXPECT_EQ(list(f), V{});
  f = {};
  f.principal = "ALICE";  // exact match
  EXPECT_EQ(list(f), V{});

  f = {};
  f.limit = 2;
  EXPECT_EQ(list(f), (V{"d", "c"}));
  f.limit = 0;  // no limit
  EXPECT_EQ(list(f).size(), 4u);
}

// The sessions index is read by `gatehouse sessions list` while the server writes it.
TEST_F(SqliteAuditIndexTest, ConcurrentIndexingFromThreads) {
  auto store = open();
  auto cli = open();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store->index_session_start(session(id, "p" + std::to_string(t), "app", kT0 + i))
                 .ok()) {
          ++failures;
        }
        if (!store->index_session_end(id, kT0 + i + 1, "client_terminate", 1).ok()) ++failures;
        if (!cli->list_sessions({}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  SessionFilter f;
  f.limit = 0;
  EXPECT_EQ(cli->list_sessions(f)->size(), 100u);
  f.principal = "p2";
  EXPECT_EQ(cli->list_sessions(f)->size(), 25u);
}

// Each filter combination is answered from an index, not by scanning every session.
TEST_F(SqliteAuditIndexTest, ListQueriesUseAnIndex) {
  ASSERT_NE(open(), nullptr);
  auto db = Database::open((fs::path(data_dir_) / "state.db").string());
  ASSERT_TRUE(db.ok());
  for (int which = 0; which < 4; ++which) {
    std::string sql = "EXPLAIN QUERY PLAN " + sessions_list_sql(which & 1, which & 2);
    auto q = db->prepare(sql);
    ASSERT_TRUE(q.ok()) << q.status().message();
    std::string plan;
    while (q->step() == SQLITE_ROW) plan += q->column_text(3) + "\n";
    EXPECT_NE(plan.find("USING INDEX"), std::string::npos) << sql << "\n" << plan;
    EXPECT_EQ(plan.find("SCAN sessions\n"), std::string::npos) << sql << "\n" << plan;
    if (which == 1) {
      EXPECT_NE(plan.find("sessions_by_principal"), std::string::npos) << plan;
    } else if (which == 2) {
      EXPECT_NE(plan.find("sessions_by_connection"), std::string::npos) << plan;
    } else if (which == 3) {  // either one narrows it to one principal or connection
      EXPECT_TRUE(plan.find("sessions_by_principal") != std::string::npos ||
                  plan.find("sessions_by_connection") != std::string::npos)
          << plan;
    }
  }
}

// A store written by the previous gatehouse (schema 1, API keys only) gains the new tables
// and keeps its keys.
TEST_F(SqliteAuditIndexTest, UpgradesASchemaOneStore) {
  fs::create_directories(data_dir_);
  std::string path = (fs::path(data_dir_) / "state.db").string();
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                         " applied_at INTEGER NOT NULL);"
                         "INSERT INTO schema_version VALUES (1, 0);"
                         "CREATE TABLE api_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL"
                         " UNIQUE, owner TEXT NOT NULL, groups TEXT NOT NULL, key_hash TEXT NOT"
                         " NULL UNIQUE, prefix TEXT NOT NULL, created_at INTEGER NOT NULL,"
                         " expires_at INTEGER, revoked_at INTEGER);"
                         "INSERT INTO api_keys (name, owner, groups, key_hash, prefix,"
                         " created_at) VALUES ('old', 'old', 'g', 'h', 'ghk_x', 1);")
                    .ok());
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->list_api_keys()->size(), 1u);
  EXPECT_EQ(store->list_api_keys()->at(0).name, "old");
  EXPECT_TRUE(store->add_audit_checkpoint(checkpoint(0, 0, 1)).ok());
  EXPECT_TRUE(store->index_session_start(session("s", "p", "c", kT0)).ok());
  auto db = Database::open(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*sqlite_schema_version(db.value()), kSqliteSchemaVersion);
}

}  // namespace
}  // namespace gh::store
