// RoleManager without a server: argument checks, unreachable and silent servers, lifecycle.
// The real-server behaviour is in role_manager_pg_test.cpp.
#include "credentials/role_manager.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

namespace gh::credentials {
namespace {

using namespace std::chrono_literals;

// A TCP port that accepts connections (the kernel completes the handshake) but never
// answers: a server that hangs during startup.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A port nobody listens on (bound then closed).
uint16_t closed_port() {
  SilentServer s;
  return s.port();
}

AdminTarget target(uint16_t port) {
  AdminTarget t;
  t.host = "127.0.0.1";
  t.port = port;
  t.database = "shop";
  t.user = "admin";
  t.password = "s3cret-admin-password";
  t.sslmode = "disable";
  t.connect_timeout = 2000ms;
  return t;
}

Result<EphemeralRole> create_sync(RoleManager& m, std::string session, std::string mapped = "app",
                                  std::chrono::seconds ttl = 60s) {
  std::promise<Result<EphemeralRole>> p;
  m.create(std::move(session), std::move(mapped), ttl,
           [&](Result<EphemeralRole> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Status drop_sync(RoleManager& m, std::string role) {
  std::promise<Status> p;
  m.drop(std::move(role), "app", [&](Status s) { p.set_value(std::move(s)); });
  return p.get_future().get();
}

TEST(RoleManager, RefusesBadSessionIdsAndTtlsWithoutConnecting) {
  RoleManager m(target(closed_port()), "ab12");
  m.start();
  auto r = create_sync(m, "not-hex");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            "cannot create ephemeral role: invalid session id for an ephemeral role (want 16 "
            "lowercase hex digits)");
  r = create_sync(m, "0123456789abcdef", "app", 0s);
  EXPECT_EQ(r.status().message(),
            "cannot create ephemeral role: ttl must be between 1 s and 365 days");
  r = create_sync(m, "0123456789abcdef", std::string(64, 'x'));
  EXPECT_EQ(r.status().message(),
            "cannot create ephemeral role: mapped role: role name is longer than 63 bytes");
}

TEST(RoleManager, RefusesAnInvalidInstanceId) {
  RoleManager m(target(closed_port()), "NOT_HEX");
  m.start();
  auto r = create_sync(m, "0123456789abcdef");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid gatehouse instance id"), std::string::npos);
}

TEST(RoleManager, DropRefusesRolesItDidNotName) {
  RoleManager m(target(closed_port()), "ab12");
  m.start();
  for (const char* role : {"postgres", "app", "gh_admin", ""}) {
    Status s = drop_sync(m, role);
    EXPECT_EQ(s.code(), Status::Code::kInvalid) << role;
    EXPECT_EQ(s.message(), std::string("refusing to drop role \"") + role +
                               "\": not a gatehouse ephemeral role name");
  }
}

TEST(RoleManager, UnreachableServerIsAClearErrorWithoutThePassword) {
  uint16_t port = closed_port();
  RoleManager m(target(port), "ab12");
  m.start();
  auto r = create_sync(m, "0123456789abcdef");
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.status().message();
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(
      msg.starts_with("cannot create ephemeral role gh_ab12_0123456789abcdef: cannot "
                      "connect to the admin database: "))
      << msg;
  EXPECT_TRUE(msg.ends_with("(connect as admin@127.0.0.1:" + std::to_string(port) + "/shop)"))
      << msg;
  EXPECT_NE(msg.find("refused"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret"), std::string::npos);
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(RoleManager, ConnectTimeoutBoundsASilentServer) {
  SilentServer silent;
  AdminTarget t = target(silent.port());
  t.connect_timeout = 300ms;
  RoleManager m(t, "ab12");
  m.start();
  auto t0 = std::chrono::steady_clock::now();
  auto r = create_sync(m, "0123456789abcdef");
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("timed out after 300 ms"), std::string::npos)
      << r.status().message();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);  // one connect attempt per job, not libpq's 2 s minimum
}

TEST(RoleManager, CallbacksRunOnTheWorkerThreadAndNeverBlockTheCaller) {
  SilentServer silent;
  AdminTarget t = target(silent.port());
  t.connect_timeout = 300ms;
  RoleManager m(t, "ab12");
  m.start();
  std::promise<std::thread::id> where;
  auto t0 = std::chrono::steady_clock::now();
  m.create("0123456789abcdef", "app", 60s,
           [&](Result<EphemeralRole>) { where.set_value(std::this_thread::get_id()); });
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
}

TEST(RoleManager, SweepReportsAListingFailureWithAnEmptyRoleName) {
  RoleManager m(target(closed_port()), "ab12");
  m.start();
  std::vector<std::pair<std::string, Status>> reports;
  std::promise<size_t> dropped;
  m.sweep(
      {}, 60s, [&](const std::string& role, const Status& s) { reports.emplace_back(role, s); },
      [&](size_t n) { dropped.set_value(n); });
  EXPECT_EQ(dropped.get_future().get(), 0u);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].first, "");
  EXPECT_TRUE(
      reports[0].second.message().starts_with("cannot list ephemeral roles: cannot "
                                              "connect to the admin database"));
}

TEST(RoleManager, AfterStopCallsAnswerAtOnceOnTheCallersThread) {
  RoleManager m(target(closed_port()), "ab12");
  m.start();
  m.stop();
  bool called = false;
  m.create("0123456789abcdef", "app", 60s, [&](Result<EphemeralRole> r) {
    called = true;
    EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
    EXPECT_EQ(r.status().message(), "cannot create ephemeral role: the role manager is stopped");
  });
  EXPECT_TRUE(called);
  called = false;
  m.drop("gh_ab12_0123456789abcdef", "app", [&](Status s) {
    called = true;
    EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  });
  EXPECT_TRUE(called);
}

TEST(RoleManager, StopFailsQueuedJobsFastOnceTheServerIsUnreachable) {
  SilentServer silent;
  AdminTarget t = target(silent.port());
  t.connect_timeout = 500ms;
  RoleManager m(t, "ab12");  // not started: everything queues
  std::vector<Status> results;
  for (int i = 0; i < 10; ++i) {
    m.drop("gh_ab12_000000000000000" + std::to_string(i), "app",
           [&](Status s) { results.push_back(std::move(s)); });
  }
  auto t0 = std::chrono::steady_clock::now();
  m.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);  // one timeout, not ten
  ASSERT_EQ(results.size(), 10u);
  EXPECT_NE(results[0].message().find("timed out"), std::string::npos);
  EXPECT_NE(results[9].message().find("gatehouse is stopping"), std::string::npos)
      << results[9].message();
}

TEST(RedactSecret, ReplacesEveryOccurrence) {
  std::string text = "pw=hunter2 again hunter2";
  redact_secret(text, "hunter2");
  EXPECT_EQ(text, "pw=[redacted] again [redacted]");
  redact_secret(text, "");
  EXPECT_EQ(text, "pw=[redacted] again [redacted]");
  std::string nested = "aaaa";
  redact_secret(nested, "a");
  EXPECT_EQ(nested, "[redacted][redacted][redacted][redacted]");
}

}  // namespace
}  // namespace gh::credentials
