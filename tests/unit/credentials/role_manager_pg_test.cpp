// RoleManager against a real PostgreSQL 15 started by the fixture (pg_test_cluster.h).
// These tests fail (never skip) when the server binaries are missing.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <memory>
#include <set>

#include "credentials/role_manager.h"
#include "credentials/valid_until.h"
#include "pg_test_cluster.h"

namespace gh::credentials {
namespace {

using namespace std::chrono_literals;

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

class CredentialsPg : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new test::PgTestCluster();
    auto t0 = std::chrono::steady_clock::now();
    setup_error_ = cluster_->start();
    if (setup_error_.empty()) setup_error_ = seed();
    startup_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "test PostgreSQL cluster unavailable: " << setup_error_;
    RecordProperty("cluster_startup_ms", std::to_string(startup_ms_));
  }

  static std::string seed() {
    const char* sql =
        "CREATE ROLE app_ro NOLOGIN;"
        "CREATE ROLE app_rw NOLOGIN;"
        "CREATE TABLE items (id int, name text);"
        "INSERT INTO items VALUES (1, 'one'), (2, 'two');"
        "CREATE TABLE secrets (v text);"
        "GRANT SELECT ON items TO app_ro;"
        "GRANT SELECT ON items TO app_rw;"
        "GRANT CREATE ON SCHEMA public TO app_rw;"
        "CREATE ROLE cred_admin LOGIN CREATEROLE PASSWORD 'cred-admin-pw';"
        "CREATE ROLE plain_user LOGIN PASSWORD 'plain-user-pw';";
    auto c = connect("postgres", cluster_->superuser_password());
    if (PQstatus(c.get()) != CONNECTION_OK) return PQerrorMessage(c.get());
    PGresult* r = PQexec(c.get(), sql);
    std::string err = PQresultStatus(r) == PGRES_COMMAND_OK ? "" : PQresultErrorMessage(r);
    PQclear(r);
    return err;
  }

  static PgConn connect(const std::string& user, const std::string& password) {
    return PgConn(PQconnectdb((cluster_->conninfo(user, password) + " connect_timeout=5").c_str()));
  }

  // One value (or "<error: ...>") from a superuser query.
  static std::string su_scalar(const std::string& sql) {
    auto c = connect("postgres", cluster_->superuser_password());
    return scalar(c.get(), sql);
  }
  static std::string scalar(PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    std::string out;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      out = PQgetisnull(r, 0, 0) ? "<null>" : PQgetvalue(r, 0, 0);
    } else if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) {
      out = "<none>";
    } else {
      const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      out = std::string("<error: ") + (primary ? primary : PQerrorMessage(c)) + ">";
    }
    PQclear(r);
    return out;
  }
  static bool role_exists(const std::string& role) {
    return su_scalar("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'") == "1";
  }

  AdminTarget admin(const std::string& user = "postgres", std::string password = "") const {
    AdminTarget t;
    t.host = "127.0.0.1";
    t.port = cluster_->port();
    t.database = "postgres";
    t.user = user;
    t.password = password.empty() ? cluster_->superuser_password() : std::move(password);
    t.sslmode = "disable";
    t.connect_timeout = 5000ms;
    return t;
  }

  static Result<EphemeralRole> create(RoleManager& m, const std::string& session,
                                      const std::string& mapped = "app_ro") {
    std::promise<Result<EphemeralRole>> p;
    m.create(session, mapped, 300s, [&](Result<EphemeralRole> r) { p.set_value(std::move(r)); });
    auto f = p.get_future();
    if (f.wait_for(30s) != std::future_status::ready) return Status::Internal("create hung");
    return f.get();
  }
  static Status drop(RoleManager& m, const std::string& role, const std::string& mapped) {
    std::promise<Status> p;
    m.drop(role, mapped, [&](Status s) { p.set_value(std::move(s)); });
    auto f = p.get_future();
    if (f.wait_for(30s) != std::future_status::ready) return Status::Internal("drop hung");
    return f.get();
  }

  static inline test::PgTestCluster* cluster_ = nullptr;
  static inline std::string setup_error_;
  static inline int64_t startup_ms_ = 0;
};

// create -> the role exists with its bounds -> SCRAM login reads what the mapped role may ->
// drop while that login is still open -> gone.
TEST_F(CredentialsPg, CreateLoginReadThenDropWhileConnected) {
  RoleManager m(admin(), "c0ffee");
  m.start();
  auto before = std::chrono::system_clock::now();
  auto role = create(m, "0000000000000001");
  ASSERT_TRUE(role.ok()) << role.status().message();
  EXPECT_EQ(role->name, "gh_c0ffee_0000000000000001");
  EXPECT_EQ(role->password.size(), 64u);  // 32 random bytes, hex
  int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  EXPECT_GE(role->valid_until_s, now_s + 300);
  EXPECT_LE(role->valid_until_s, now_s + 302);

  const std::string& name = role->name;
  EXPECT_EQ(su_scalar("SELECT rolcanlogin::text || ' ' || rolsuper::text || ' ' || "
                      "rolcreaterole::text FROM pg_roles WHERE rolname = '" +
                      name + "'"),
            "true false false");
  std::string until =
      su_scalar("SELECT rolvaliduntil FROM pg_roles WHERE rolname = '" + name + "'");
  EXPECT_EQ(parse_valid_until(until), role->valid_until_s) << until;
  EXPECT_EQ(su_scalar("SELECT string_agg(g.rolname, ',') FROM pg_auth_members m "
                      "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member "
                      "WHERE r.rolname = '" +
                      name + "'"),
            "app_ro");
  std::string stored =
      su_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = '" + name + "'");
  EXPECT_TRUE(stored.starts_with("SCRAM-SHA-256$4096:")) << stored;
  // The server saw the verifier (log_statement = all), never the cleartext.
  std::string log = cluster_->server_log();
  EXPECT_NE(log.find(stored), std::string::npos);
  EXPECT_EQ(log.find(role->password), std::string::npos);

  auto login = connect(name, role->password);
  ASSERT_EQ(PQstatus(login.get()), CONNECTION_OK) << PQerrorMessage(login.get());
  EXPECT_EQ(scalar(login.get(), "SELECT string_agg(name, ',' ORDER BY id) FROM items"), "one,two");
  EXPECT_EQ(scalar(login.get(), "SELECT count(*) FROM secrets"),
            "<error: permission denied for table secrets>");
  auto wrong = connect(name, std::string(64, '0'));
  EXPECT_NE(PQstatus(wrong.get()), CONNECTION_OK);

  Status dropped = drop(m, name, "app_ro");
  ASSERT_TRUE(dropped.ok()) << dropped.message();
  EXPECT_FALSE(role_exists(name));
  // The open session was terminated, not left running as a role that no longer exists.
  EXPECT_TRUE(scalar(login.get(), "SELECT 1").starts_with("<error")) << "session survived";
  // Idempotent.
  Status again = drop(m, name, "app_ro");
  EXPECT_TRUE(again.ok()) << again.message();
}

TEST_F(CredentialsPg, DropEndsABusyBackendAndKeepsItsObjects) {
  RoleManager m(admin(), "c0ffee");
  m.start();
  auto role = create(m, "0000000000000002", "app_rw");
  ASSERT_TRUE(role.ok()) << role.status().message();
  auto login = connect(role->name, role->password);
  ASSERT_EQ(PQstatus(login.get()), CONNECTION_OK) << PQerrorMessage(login.get());
  EXPECT_EQ(scalar(login.get(), "CREATE TABLE made_by_session (x int)"), "<none>");
  EXPECT_EQ(scalar(login.get(), "BEGIN"), "<none>");
  EXPECT_EQ(scalar(login.get(), "LOCK TABLE made_by_session"), "<none>");  // holds a lock
  ASSERT_EQ(PQsendQuery(login.get(), "SELECT pg_sleep(60)"), 1);           // and is busy

  auto t0 = std::chrono::steady_clock::now();
  Status dropped = drop(m, role->name, "app_rw");
  ASSERT_TRUE(dropped.ok()) << dropped.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(role_exists(role->name));
  EXPECT_EQ(su_scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_session'"),
            "app_rw");
}

// PG15: a CREATEROLE admin that is not superuser can do the whole cycle (drop grants it the
// ephemeral role for the moment it needs its privileges) but cannot attach a superuser role.
TEST_F(CredentialsPg, NonSuperuserCreateRoleAdminCanDoTheWholeCycle) {
  RoleManager m(admin("cred_admin", "cred-admin-pw"), "c0ffee");
  m.start();
  auto role = create(m, "0000000000000003", "app_rw");
  ASSERT_TRUE(role.ok()) << role.status().message();
  auto login = connect(role->name, role->password);
  ASSERT_EQ(PQstatus(login.get()), CONNECTION_OK) << PQerrorMessage(login.get());
  EXPECT_EQ(scalar(login.get(), "CREATE TABLE made_under_createrole (x int)"), "<none>");
  Status dropped = drop(m, role->name, "app_rw");
  ASSERT_TRUE(dropped.ok()) << dropped.message();
  EXPECT_FALSE(role_exists(role->name));
  EXPECT_EQ(su_scalar("SELECT tableowner FROM pg_tables WHERE tablename = "
                      "'made_under_createrole'"),
            "app_rw");
  EXPECT_EQ(su_scalar("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = "
                      "m.member WHERE r.rolname = 'cred_admin'"),
            "0");  // the temporary membership went with the role

  auto super = create(m, "0000000000000004", "postgres");
  ASSERT_FALSE(super.ok());
  EXPECT_EQ(super.status().code(), Status::Code::kDenied);
  EXPECT_EQ(super.status().message(),
            "cannot create ephemeral role gh_c0ffee_0000000000000004: must be superuser to "
            "alter superusers (connect as cred_admin@127.0.0.1:" +
                std::to_string(cluster_->port()) + "/postgres)");

  auto missing = create(m, "000000000000000a", "no_such_role");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(missing.status().message().starts_with(
      "cannot create ephemeral role gh_c0ffee_000000000000000a: role \"no_such_role\" does not "
      "exist (connect as"))
      << missing.status().message();
}

TEST_F(CredentialsPg, AdminWithoutCreateRoleGetsAClearError) {
  RoleManager m(admin("plain_user", "plain-user-pw"), "c0ffee");
  m.start();
  auto role = create(m, "0000000000000005");
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.status().code(), Status::Code::kDenied);
  EXPECT_EQ(role.status().message(),
            "cannot create ephemeral role gh_c0ffee_0000000000000005: permission denied to "
            "create role (connect as plain_user@127.0.0.1:" +
                std::to_string(cluster_->port()) + "/postgres)");
}

TEST_F(CredentialsPg, WrongAdminPasswordIsAClearErrorWithoutThePassword) {
  const std::string bad = "not-the-admin-password-9731";
  RoleManager m(admin("postgres", bad), "c0ffee");
  m.start();
  auto role = create(m, "0000000000000006");
  ASSERT_FALSE(role.ok());
  const std::string& msg = role.status().message();
  EXPECT_EQ(role.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(
      msg.starts_with("cannot create ephemeral role gh_c0ffee_0000000000000006: cannot "
                      "connect to the admin database: "))
      << msg;
  EXPECT_NE(msg.find("password authentication failed for user \"postgres\""), std::string::npos)
      << msg;
  EXPECT_TRUE(msg.ends_with("(connect as postgres@127.0.0.1:" + std::to_string(cluster_->port()) +
                            "/postgres)"))
      << msg;
  EXPECT_EQ(msg.find(bad), std::string::npos);
  EXPECT_EQ(msg.find(cluster_->superuser_password()), std::string::npos);
}

// REASSIGN/DROP OWNED act in the admin connection's database only: objects the session made
// in another database keep the role alive. The drop retries briefly, then says why.
TEST_F(CredentialsPg, ObjectsInAnotherDatabaseBlockTheDropWithAClearError) {
  {
    auto su = connect("postgres", cluster_->superuser_password());
    ASSERT_EQ(scalar(su.get(), "CREATE DATABASE elsewhere"), "<none>");
  }
  auto su_else = PgConn(PQconnectdb(
      (cluster_->conninfo("postgres", cluster_->superuser_password(), "elsewhere")).c_str()));
  ASSERT_EQ(scalar(su_else.get(), "GRANT CREATE ON SCHEMA public TO app_rw"), "<none>");
  RoleManager m(admin(), "c0ffee");
  m.start();
  auto role = create(m, "0000000000000009", "app_rw");
  ASSERT_TRUE(role.ok()) << role.status().message();
  {
    auto login =
        PgConn(PQconnectdb((cluster_->conninfo(role->name, role->password, "elsewhere")).c_str()));
    ASSERT_EQ(scalar(login.get(), "CREATE TABLE stranded (x int)"), "<none>");
  }
  auto t0 = std::chrono::steady_clock::now();
  Status s = drop(m, role->name, "app_rw");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot drop ephemeral role " + role->name + ": role \"" + role->name +
                             "\" cannot be dropped because some objects depend on it (connect "
                             "as postgres@127.0.0.1:" +
                             std::to_string(cluster_->port()) + "/postgres)");
  EXPECT_TRUE(role_exists(role->name));
  ASSERT_EQ(scalar(su_else.get(), "REASSIGN OWNED BY " + role->name + " TO app_rw"), "<none>");
  Status again = drop(m, role->name, "app_rw");
  EXPECT_TRUE(again.ok()) << again.message();
}

TEST_F(CredentialsPg, ReconnectsOnceWhenTheAdminConnectionWasKilled) {
  RoleManager m(admin(), "c0ffee");
  m.start();
  auto first = create(m, "0000000000000007");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(su_scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                      "WHERE application_name = 'gatehouse-credentials'"),
            "1");
  auto second = create(m, "0000000000000008");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(drop(m, first->name, "app_ro").ok());
  EXPECT_TRUE(drop(m, second->name, "app_ro").ok());
}

TEST_F(CredentialsPg, SweepDropsLeftoversAndKeepsLiveAndForeignRoles) {
  // Left by a previous run of this instance (made here by hand: in this process they would
  // count as live), one of them still logged in and owning a table.
  const std::string leftover = "gh_5eed_00000000000000a1";
  const std::string declared_live = "gh_5eed_00000000000000a3";
  EXPECT_EQ(su_scalar("CREATE ROLE " + leftover +
                      " LOGIN PASSWORD 'leftover-pw' VALID UNTIL '2999-01-01 00:00:00+00' "
                      "IN ROLE app_rw;"
                      "CREATE ROLE " +
                      declared_live +
                      " LOGIN IN ROLE app_ro;"
                      "CREATE ROLE gh_0bb_00000000000000b1 VALID UNTIL '2001-01-01 00:00:00+00';"
                      "CREATE ROLE gh_0bb_00000000000000b2 VALID UNTIL 'infinity';"
                      "CREATE ROLE gh_0bb_00000000000000b3;"
                      "CREATE ROLE gh_operator VALID UNTIL '2001-01-01 00:00:00+00';"
                      "CREATE ROLE reporting VALID UNTIL '2001-01-01 00:00:00+00'"),
            "<none>");
  auto still_connected = connect(leftover, "leftover-pw");
  ASSERT_EQ(PQstatus(still_connected.get()), CONNECTION_OK)
      << PQerrorMessage(still_connected.get());
  EXPECT_EQ(scalar(still_connected.get(), "CREATE TABLE made_by_leftover (x int)"), "<none>");

  // Another gatehouse connection on the same server and instance, with a live session.
  RoleManager other(admin(), "5eed");
  other.start();
  auto other_live = create(other, "00000000000000a2");
  ASSERT_TRUE(other_live.ok()) << other_live.status().message();

  RoleManager m(admin(), "5eed");
  m.start();
  std::set<std::string> reported;
  std::vector<std::string> failures;
  std::promise<size_t> done;
  m.sweep(
      {declared_live}, 600s,
      [&](const std::string& role, const Status& s) {
        reported.insert(role);
        if (!s.ok()) failures.push_back(role + ": " + s.message());
      },
      [&](size_t n) { done.set_value(n); });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get(), 2u);
  EXPECT_TRUE(failures.empty()) << failures[0];
  EXPECT_EQ(reported, (std::set<std::string>{leftover, "gh_0bb_00000000000000b1"}));
  EXPECT_FALSE(role_exists(leftover));
  EXPECT_FALSE(role_exists("gh_0bb_00000000000000b1"));
  for (const std::string& kept :
       {declared_live, other_live->name, std::string("gh_0bb_00000000000000b2"),
        std::string("gh_0bb_00000000000000b3"), std::string("gh_operator"),
        std::string("reporting")}) {
    EXPECT_TRUE(role_exists(kept)) << kept;
  }
  // The sweeper found the leftover's mapped role itself and handed its objects over.
  EXPECT_EQ(su_scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_leftover'"),
            "app_rw");
  EXPECT_TRUE(scalar(still_connected.get(), "SELECT 1").starts_with("<error"));

  // Once its session asked for the drop, a role is no longer protected.
  EXPECT_TRUE(drop(other, other_live->name, "app_ro").ok());
  EXPECT_TRUE(drop(m, declared_live, "app_ro").ok());
}

}  // namespace
}  // namespace gh::credentials
