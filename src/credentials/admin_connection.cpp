#include "credentials/admin_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "common/clock.h"
#include "credentials/role_statements.h"

namespace gh::credentials {

namespace {

// libpq messages end in newlines and may span lines ("connection to server ... failed:
// FATAL:  ..."): one line, single spaces.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string describe_target(const AdminTarget& t) {
  bool v6 = t.host.find(':') != std::string::npos;
  return t.user + "@" + (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port) + "/" +
         t.database;
}

}  // namespace

void redact_secret(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  static constexpr std::string_view kMark = "[redacted]";
  for (size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kMark.size())) {
    text.replace(at, secret.size(), kMark);
  }
}

Status to_status(const SqlOutcome& o) {
  if (o.connection_lost) return Status::Unavailable(o.message);
  if (o.sqlstate == "42501") return Status::Denied(o.message);
  if (o.sqlstate == "42704") return Status::NotFound(o.message);
  return Status::Internal(o.message);
}

AdminConnection::AdminConnection(AdminTarget target)
    : target_(std::move(target)), description_(describe_target(target_)) {}

AdminConnection::~AdminConnection() { close(); }

bool AdminConnection::is_open() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

void AdminConnection::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

std::string AdminConnection::redact(std::string text) const {
  redact_secret(text, target_.password);
  return text;
}

Status AdminConnection::open() {
  close();
  // `why` may point into conn_ (PQerrorMessage): build the text before closing.
  auto fail = [this](std::string_view why) {
    Status s =
        Status::Unavailable("cannot connect to the admin database: " + redact(one_line(why)));
    close();
    return s;
  };
  int64_t timeout_ms = std::max<int64_t>(1, target_.connect_timeout.count());
  // libpq's own connect_timeout counts whole seconds per address; it is only a backstop to
  // the deadline below, which covers TCP, TLS and authentication together.
  std::string backstop_s = std::to_string(std::max<int64_t>(2, (timeout_ms + 999) / 1000));
  std::string port = std::to_string(target_.port);
  std::vector<const char*> keys = {"host",
                                   "port",
                                   "dbname",
                                   "user",
                                   "password",
                                   "sslmode",
                                   "connect_timeout",
                                   "application_name",
                                   "client_encoding",
                                   "keepalives",
                                   "keepalives_idle",
                                   "keepalives_interval",
                                   "keepalives_count",
                                   "tcp_user_timeout"};
  std::vector<const char*> values = {target_.host.c_str(),
                                     port.c_str(),
                                     target_.database.c_str(),
                                     target_.user.c_str(),
                                     target_.password.c_str(),
                                     target_.sslmode.c_str(),
                                     backstop_s.c_str(),
                                     "gatehouse-credentials",
                                     "UTF8",
                                     "1",
                                     "10",
                                     "5",
                                     "3",
                                     "30000"};
  if (!target_.sslrootcert.empty()) {
    keys.push_back("sslrootcert");
    values.push_back(target_.sslrootcert.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  int64_t deadline = steady_now_ns() + timeout_ms * 1'000'000;
  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) return fail("out of memory");
  if (PQstatus(conn_) == CONNECTION_BAD) return fail(PQerrorMessage(conn_));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) return fail(PQerrorMessage(conn_));
    int64_t left_ms = (deadline - steady_now_ns()) / 1'000'000;
    if (left_ms <= 0) {
      return fail("timed out after " + std::to_string(timeout_ms) + " ms");
    }
    pollfd pfd{PQsocket(conn_),
               static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left_ms, 1'000'000)));
    if (n < 0 && errno != EINTR) return fail("poll failed");
    if (n <= 0) continue;
    state = PQconnectPoll(conn_);
  }
  SqlOutcome setup = run(kSessionSetupSql);
  if (!setup.ok) return fail("session setup failed: " + setup.message);
  return Status::Ok();
}

SqlOutcome AdminConnection::run(const char* sql, const std::vector<std::string>& params) {
  SqlOutcome out;
  if (conn_ == nullptr) {
    out.connection_lost = true;
    out.message = "not connected";
    return out;
  }
  PGresult* res;
  if (params.empty()) {
    res = PQexec(conn_, sql);
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& p : params) values.push_back(p.c_str());
    res = PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                       nullptr, 0);
  }
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    out.ok = true;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    out.rows.resize(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      auto& row = out.rows[static_cast<size_t>(r)];
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c))
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
      }
    }
  } else {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    out.sqlstate = state ? state : "";
    out.message = redact(one_line(primary ? primary : PQerrorMessage(conn_)));
    if (out.message.empty()) out.message = "unexpected result from the server";
    out.connection_lost = PQstatus(conn_) == CONNECTION_BAD;
  }
  PQclear(res);
  return out;
}

}  // namespace gh::credentials
