#include "pg/session/backend_link.h"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include "net/no_throw.h"

#include "pg/protocol/builders.h"
#include "pg/protocol/messages.h"
#include "pg/protocol/scram.h"
#include "pg/session/message_reader.h"

namespace gh::pg {

namespace {

using net::kNoThrow;
constexpr uint32_t kStartupMaxMessage = 1u << 20;

std::string server_error_text(std::string_view body) {
  ErrorFields e;
  if (!parse_error_fields(body, e)) return "malformed error from server";
  return std::string(e.code) + " " + std::string(e.message);
}

asio::awaitable<Result<asio::ip::tcp::socket>> tcp_connect(asio::any_io_executor ex,
                                                           const config::Connection& c) {
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(c.host, std::to_string(c.port), kNoThrow);
  if (rec) co_return Status::Unavailable("cannot resolve " + c.host + ": " + rec.message());
  asio::ip::tcp::socket sock(ex);
  asio::steady_timer timer(ex);
  bool timed_out = false;
  timer.expires_after(c.connect_timeout);
  timer.async_wait([&](const asio::error_code& ec) {
    if (!ec) {
      timed_out = true;
      asio::error_code ignored;
      sock.close(ignored);
    }
  });
  auto [cec, ep] = co_await asio::async_connect(sock, endpoints, kNoThrow);
  timer.cancel();
  if (timed_out)
    co_return Status::Unavailable("timed out connecting to " + c.host + ":" +
                                  std::to_string(c.port));
  if (cec)
    co_return Status::Unavailable("cannot connect to " + c.host + ":" + std::to_string(c.port) +
                                  ": " + cec.message());
  co_return std::move(sock);
}

// Reads the single-byte answer to SSLRequest without reading past it: bytes after
// it would be unencrypted data injected ahead of the handshake.
asio::awaitable<Result<char>> read_ssl_answer(net::Conn& conn) {
  char b = 0;
  long n = co_await conn.read_some(&b, 1);
  if (n != 1) co_return Status::Unavailable("server closed the connection after SSLRequest");
  co_return b;
}

}  // namespace

asio::awaitable<Result<BackendLink>> open_backend(asio::any_io_executor ex,
                                                  const BackendTarget& target) {
  const config::Connection& c = *target.connection;
  auto sock = co_await tcp_connect(ex, c);
  if (!sock.ok()) co_return sock.status();
  BackendLink link;
  link.conn = std::make_unique<net::Conn>(std::move(sock.value()));
  net::Conn& conn = *link.conn;
  std::string out;

  // A deadline for the whole login, so a server that stops answering cannot hold us.
  asio::steady_timer deadline(ex);
  bool expired = false;
  deadline.expires_after(c.connect_timeout);
  deadline.async_wait([&](const asio::error_code& ec) {
    if (!ec) {
      expired = true;
      conn.close();
    }
  });
  struct CancelTimer {
    asio::steady_timer& t;
    ~CancelTimer() { t.cancel(); }
  } cancel_deadline{deadline};
  auto io_error = [&](const std::string& what) {
    return Status::Unavailable(expired ? "timed out logging in to the server" : what);
  };

  if (c.tls.mode != config::BackendTlsMode::kDisable) {
    build_ssl_request(out);
    if (!co_await conn.write_all(out)) co_return io_error("write failed: " + conn.error());
    out.clear();
    auto answer = co_await read_ssl_answer(conn);
    if (!answer.ok()) co_return io_error(answer.status().message());
    if (answer.value() != 'S')
      co_return Status::Unavailable("server does not offer TLS, and tls mode requires it");
    std::string verify_host =
        c.tls.mode == config::BackendTlsMode::kVerifyFull ? c.host : std::string();
    Status st = co_await conn.tls_connect(target.tls, verify_host);
    if (!st.ok()) co_return io_error(st.message());
  }

  std::vector<std::pair<std::string_view, std::string_view>> params;
  params.emplace_back("user", target.login.user);
  params.emplace_back("database", c.database);
  for (const auto& [k, v] : target.params) params.emplace_back(k, v);
  build_startup_message(out, params.data(), params.size());
  if (!co_await conn.write_all(out)) co_return io_error("write failed: " + conn.error());
  out.clear();

  std::unique_ptr<ScramClient> scram;
  while (true) {
    auto m = co_await read_message(conn, link.buffer, kStartupMaxMessage);
    if (!m.ok()) co_return io_error("during login: " + m.status().message());
    const OwnedMessage& msg = m.value();
    switch (msg.type) {
      case msg::kAuthentication: {
        AuthRequest a;
        if (!parse_auth_request(msg.body, a))
          co_return Status::Denied("malformed authentication request from server");
        switch (a.code) {
          case auth::kOk:
            break;
          case auth::kCleartext:
            build_password_message(out, target.login.password);
            break;
          case auth::kMd5:
            if (a.data.size() != 4) co_return Status::Denied("malformed MD5 salt from server");
            build_password_message(
                out, md5_password_response(target.login.user, target.login.password, a.data));
            break;
          case auth::kSasl: {
            bool offered = false;
            std::string_view mechs = a.data;
            while (!mechs.empty() && mechs.front() != '\0') {
              size_t n = mechs.find('\0');
              if (n == std::string_view::npos) break;
              if (mechs.substr(0, n) == "SCRAM-SHA-256") offered = true;
              mechs.remove_prefix(n + 1);
            }
            if (!offered) co_return Status::Denied("server offers no SASL mechanism we support");
            scram = std::make_unique<ScramClient>(target.login.password);
            build_sasl_initial_response(out, "SCRAM-SHA-256", scram->client_first());
            break;
          }
          case auth::kSaslContinue: {
            if (!scram) co_return Status::Denied("unexpected SASL continue from server");
            auto final_msg = scram->handle_server_first(a.data);
            if (!final_msg.ok()) co_return Status::Denied("SCRAM: " + final_msg.status().message());
            build_sasl_response(out, final_msg.value());
            break;
          }
          case auth::kSaslFinal: {
            if (!scram) co_return Status::Denied("unexpected SASL final from server");
            Status st = scram->verify_server_final(a.data);
            if (!st.ok()) co_return Status::Denied("SCRAM: " + st.message());
            break;
          }
          default:
            co_return Status::Denied("server asks for an unsupported authentication method (" +
                                     std::to_string(a.code) + ")");
        }
        if (!out.empty()) {
          if (!co_await conn.write_all(out)) co_return io_error("write failed: " + conn.error());
          out.clear();
        }
        break;
      }
      case msg::kParameterStatus: {
        ParameterStatus ps;
        if (!parse_parameter_status(msg.body, ps))
          co_return Status::Denied("malformed ParameterStatus from server");
        build_parameter_status(link.parameter_status, ps.name, ps.value);
        break;
      }
      case msg::kBackendKeyData: {
        BackendKeyData k;
        if (!parse_backend_key_data(msg.body, k))
          co_return Status::Denied("malformed BackendKeyData from server");
        link.pid = k.pid;
        link.secret = k.secret;
        break;
      }
      case msg::kNoticeResponse:
      case msg::kNegotiateProtocolVersion:
        break;
      case msg::kErrorResponse:
        co_return Status::Denied("server refused login: " + server_error_text(msg.body));
      case msg::kReadyForQuery:
        if (msg.body.size() != 1) co_return Status::Denied("malformed ReadyForQuery");
        link.tx_status = msg.body[0];
        co_return std::move(link);
      default:
        co_return Status::Denied(std::string("unexpected message '") + msg.type +
                                 "' from server during login");
    }
  }
}

asio::awaitable<void> send_backend_cancel(asio::any_io_executor ex, const config::Connection& c,
                                          uint32_t pid, uint32_t secret) {
  auto sock = co_await tcp_connect(ex, c);
  if (!sock.ok()) co_return;
  net::Conn conn(std::move(sock.value()));
  std::string out;
  build_cancel_request(out, pid, secret);
  co_await conn.write_all(out);
  // The server closes the connection after processing the request; wait for that so
  // the cancel has been delivered before the caller goes on.
  char b;
  co_await conn.read_some(&b, 1);
}

}  // namespace gh::pg
