#include "pg/session/client_session.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>

#include <ctime>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_writer.h"
#include "net/io_threads.h"
#include "net/no_throw.h"
#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"
#include "pg/protocol/messages.h"
#include "pg/session/message_reader.h"
#include "pg/session/startup_params.h"
#include "pg/session/statement_log.h"

namespace gh::pg {

namespace {

std::string new_session_id() {
  uint8_t b[8];
  crypto::random_bytes(b);
  return crypto::to_hex(b);
}

std::string endpoint_text(const asio::ip::tcp::socket& s) {
  asio::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

constexpr size_t kReadChunk = 16 * 1024;

}  // namespace

ClientSession::ClientSession(Gateway& gw, asio::ip::tcp::socket socket)
    : gw_(gw),
      client_(std::move(socket)),
      timer_(client_.socket().get_executor()),
      deadline_timer_(client_.socket().get_executor()),
      estimate_timer_(client_.socket().get_executor()),
      peer_(endpoint_text(client_.socket())),
      id_(new_session_id()),
      client_buf_(16 * 1024),
      backend_buf_(64 * 1024) {
  gw_.counters().sessions_total.fetch_add(1, std::memory_order_relaxed);
  gw_.counters().sessions_active.fetch_add(1, std::memory_order_relaxed);
  audit_ = gw_.audit_writer();
  strict_ = gw_.config().audit.durability == config::Durability::kStrict;
}

asio::awaitable<bool> ClientSession::wait_durable(uint64_t seq) {
  GroupCommit* gc = gw_.group_commit();
  if (gc == nullptr) co_return true;
  bool ok = co_await gc->wait(seq);
  co_return ok;
}

ClientSession::~ClientSession() {
  if (registered_cancel_) gw_.cancels().remove(client_pid_);
  if (registered_live_) gw_.unregister_session(this);
  drop_ephemeral_role();
  gw_.counters().sessions_active.fetch_sub(1, std::memory_order_relaxed);
}

void ClientSession::close_all() {
  closing_ = true;
  timer_.cancel();
  deadline_timer_.cancel();
  estimate_timer_.cancel();
  client_.close();
  if (backend_) backend_->close();
}

asio::awaitable<void> ClientSession::fail(const char* sqlstate, std::string message,
                                          std::string detail) {
  advance(SessionEvent::kFailure);
  if (client_.is_open()) {
    std::string out;
    build_error(out, "FATAL", sqlstate, message, detail);
    if (client_writing_) {
      // Let the write in flight finish with this message behind it.
      client_pending_ += out;
    } else {
      co_await send_to_client(out);
    }
  }
  if (!client_writing_)
    close_all();
  else
    closing_after_write_ = true;
}

void ClientSession::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->on_timer();
  });
}

void ClientSession::on_timer() {
  if (closing_) return;
  const config::Limits& limits = gw_.config().limits;
  if (phase_ != SessionPhase::kRelay) {
    spdlog::info("session {} from {}: startup timeout after {} ms", id_, peer_,
                 limits.startup_timeout.count());
    end_reason_ = "startup timeout";
    close_all();
    return;
  }
  if (limits.idle_timeout.count() <= 0) return;
  int64_t idle_ns = steady_now_ns() - last_activity_ns_;
  int64_t limit_ns = limits.idle_timeout.count() * 1'000'000;
  if (!tracker_.busy() && idle_ns >= limit_ns) {
    end_reason_ = "idle timeout";
    asio::co_spawn(
        client_.socket().get_executor(),
        [self = shared_from_this()]() -> asio::awaitable<void> {
          co_await self->fail("57P05", "terminating connection due to idle timeout");
        },
        asio::detached);
    return;
  }
  arm_timer(std::chrono::milliseconds(
      std::max<int64_t>(1, (limit_ns - (tracker_.busy() ? 0 : idle_ns)) / 1'000'000)));
}

asio::awaitable<void> ClientSession::run() {
  started_ns_ = steady_now_ns();
  if (gw_.counters().sessions_active.load(std::memory_order_relaxed) >
      static_cast<int64_t>(gw_.config().limits.max_connections)) {
    spdlog::warn("session {} from {}: refused, max_connections ({}) reached", id_, peer_,
                 gw_.config().limits.max_connections);
    co_await fail("53300", "sorry, too many clients already");
    co_return;
  }
  arm_timer(gw_.config().limits.startup_timeout);
  bool ok = co_await startup();
  if (ok) ok = co_await authenticate();
  if (ok) ok = co_await connect_backend();
  if (!ok) {
    close_all();
    co_return;
  }
  last_activity_ns_ = steady_now_ns();
  timer_.cancel();
  if (gw_.config().limits.idle_timeout.count() > 0) arm_timer(gw_.config().limits.idle_timeout);
  spdlog::info(
      "session {} start: peer={} principal=\"{}\" ({}) connection={} login={} "
      "application_name=\"{}\" tls={}",
      id_, peer_, principal_.label(), principal_.kind_name(), connection_->name, backend_login_,
      application_name_, client_.is_tls() ? "yes" : "no");
  gw_.register_session(this);
  registered_live_ = true;
  arm_deadline();
  auto self = shared_from_this();
  asio::co_spawn(
      client_.socket().get_executor(),
      [self]() -> asio::awaitable<void> { co_await self->backend_to_client(); }, asio::detached);
  co_await client_to_backend();
  double secs = static_cast<double>(steady_now_ns() - started_ns_) / 1e9;
  if (recorder_ != nullptr) {
    int64_t now = unix_now_ns();
    recorder_->record_end(now, end_reason_, tracker_.statements(), bytes_from_client_,
                          bytes_to_client_, static_cast<int64_t>(secs * 1000));
    Status st = gw_.store().index_session_end(id_, now, end_reason_, tracker_.statements());
    if (!st.ok()) spdlog::warn("session {}: sessions index: {}", id_, st.message());
  }
  spdlog::info(
      "session {} end: reason=\"{}\" statements={} bytes_in={} bytes_out={} duration_s={:.3f}", id_,
      end_reason_, tracker_.statements(), bytes_from_client_, bytes_to_client_, secs);
}

asio::awaitable<bool> ClientSession::startup() {
  bool tls_done = false;
  while (true) {
    auto pkt = co_await read_startup_packet(client_, client_buf_);
    if (!pkt.ok()) {
      if (pkt.status().code() == Status::Code::kCorruption) {
        gw_.counters().protocol_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("session {} from {}: {}", id_, peer_, pkt.status().message());
        co_await fail("08P01", "invalid startup packet: " + pkt.status().message());
      }
      co_return false;
    }
    StartupPacket p = parse_startup_packet(pkt->body);
    switch (p.kind) {
      case StartupKind::kSslRequest: {
        if (tls_done) {
          co_await fail("08P01", "SSLRequest received twice");
          co_return false;
        }
        if (!client_buf_.empty()) {
          // Bytes after SSLRequest, before the handshake: refuse rather than mix
          // plaintext into the TLS session.
          co_await fail("08P01", "unexpected data after SSLRequest");
          co_return false;
        }
        advance(SessionEvent::kSslRequest);
        bool offer = gw_.client_tls() != nullptr;
        if (!co_await client_.write_all(offer ? "S" : "N")) co_return false;
        if (offer) {
          Status st = co_await client_.tls_accept(gw_.client_tls());
          if (!st.ok()) {
            spdlog::info("session {} from {}: {}", id_, peer_, st.message());
            co_return false;
          }
          tls_done = true;
        }
        continue;
      }
      case StartupKind::kGssEncRequest:
        advance(SessionEvent::kGssRequest);
        if (!co_await client_.write_all("N")) co_return false;
        continue;
      case StartupKind::kCancel:
        co_await handle_cancel(p);
        co_return false;
      case StartupKind::kUnsupportedVersion:
        gw_.counters().protocol_errors.fetch_add(1, std::memory_order_relaxed);
        co_await fail("0A000", "unsupported frontend protocol " + std::to_string(p.code >> 16) +
                                   "." + std::to_string(p.code & 0xffff) +
                                   ": gatehouse supports protocol 3.0 only");
        co_return false;
      case StartupKind::kInvalid:
        gw_.counters().protocol_errors.fetch_add(1, std::memory_order_relaxed);
        co_await fail("08P01", std::string("invalid startup packet: ") + p.error);
        co_return false;
      case StartupKind::kStartup:
        break;
    }
    advance(SessionEvent::kStartup);
    if (gw_.config().tls && gw_.config().tls->require && !client_.is_tls()) {
      co_await fail("28000", "gatehouse requires TLS: connect with sslmode=require or stronger");
      co_return false;
    }
    user_ = std::string(p.get("user"));
    database_ = std::string(p.has("database") ? p.get("database") : p.get("user"));
    application_name_ = std::string(p.get("application_name"));
    forwarded_params_ = forwarded_startup_params(p);
    // Newer minor versions and _pq_ options: answer as PostgreSQL does, with 3.0.
    std::pair<std::string_view, std::string_view> unknown[kMaxStartupParams];
    size_t unknown_count = 0;
    for (size_t i = 0; i < p.param_count; ++i)
      if (p.params[i].first.starts_with("_pq_.")) unknown[unknown_count++] = p.params[i];
    if ((p.code & 0xffff) != 0 || unknown_count > 0) {
      std::string out;
      build_negotiate_protocol_version(out, 0, unknown, unknown_count);
      if (!co_await client_.write_all(out)) co_return false;
    }
    if (user_.empty()) {
      co_await fail("28000", "no user name specified in the startup packet");
      co_return false;
    }
    co_return true;
  }
}

asio::awaitable<void> ClientSession::handle_cancel(const StartupPacket& p) {
  auto target = gw_.cancels().find(p.cancel_pid, p.cancel_secret);
  close_all();
  if (!target) {
    spdlog::info("cancel request from {} for unknown session key", peer_);
    co_return;
  }
  gw_.counters().cancels_forwarded.fetch_add(1, std::memory_order_relaxed);
  co_await send_backend_cancel(client_.socket().get_executor(), *target->connection,
                               target->backend_pid, target->backend_secret);
}

asio::awaitable<bool> ClientSession::connect_backend() {
  BackendTarget target;
  target.connection = connection_;
  if (!co_await choose_login(target.login)) co_return false;
  backend_login_ = target.login.user;
  target.tls = gw_.backend_tls(*connection_);
  target.params = forwarded_params_;
  auto link = co_await open_backend(client_.socket().get_executor(), target);
  if (closing_) co_return false;
  if (!link.ok()) {
    gw_.counters().backend_connect_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("session {}: connection \"{}\": {}", id_, connection_->name,
                 link.status().message());
    std::string message =
        "gatehouse could not connect to the server of connection \"" + connection_->name + "\"";
    // The client learns the category (and a TLS failure's reason, which names no
    // secret); the full reason is in the gatehouse log.
    const std::string& why = link.status().message();
    std::string detail;
    if (why.find("TLS") != std::string::npos || why.find("certificate") != std::string::npos) {
      detail = "TLS to the server failed: " + why;
    } else if (link.status().code() == Status::Code::kUnavailable) {
      detail = "the server is unreachable";
    } else {
      detail = "the server refused the gateway's login; see the gatehouse log";
    }
    co_await fail("08001", std::move(message), std::move(detail));
    co_return false;
  }
  backend_ = std::move(link->conn);
  backend_pid_ = link->pid;
  backend_secret_ = link->secret;
  if (!link->buffer.empty()) {
    std::string_view rest = link->buffer.readable();
    std::memcpy(backend_buf_.writable(rest.size()), rest.data(), rest.size());
    backend_buf_.commit(rest.size());
  }
  auto [pid, secret] = gw_.cancels().add({connection_, backend_pid_, backend_secret_});
  client_pid_ = pid;
  registered_cancel_ = true;
  advance(SessionEvent::kBackendReady);

  // Guardrails first: the recorder after it records the decision. Masking next: it may refuse
  // (binary COPY), tells the guardrails what copies masked data, and the recorder sees the
  // masked rows.
  if (sql::Analyzer* analyzer = gw_.analyzer(); analyzer != nullptr) {
    std::unique_ptr<MaskingHook> masking;
    if (!gw_.masking().empty()) {
      MaskingState::ForSession rules =
          gw_.masking().for_session(principal_.groups, connection_->name);
      if (rules.masking.active())
        masking = std::make_unique<MaskingHook>(gw_.masking(), std::move(rules), *analyzer, id_,
                                                connection_->name, database_, &gw_.counters());
    }
    auto guardrails =
        std::make_unique<Guardrails>(gw_.policy(), *analyzer, principal_, connection_->name);
    guardrails->set_masked(masking.get());
    guardrails->set_counters(&gw_.counters());
    if (gw_.takes_reviews())
      guardrails->set_reviews(&gw_.reviews(), &gw_.config().review, id_, &gw_.config().admin);
    hooks_.add(std::move(guardrails));
    if (masking) {
      masking_ = masking.get();
      tracker_.set_filter(masking_);
      hooks_.add(std::move(masking));
    }
  }
  if (audit_ != nullptr) {
    SessionIdentity ident;
    ident.session_id = id_;
    ident.principal = principal_;
    ident.client = peer_;
    ident.tls = client_.is_tls();
    ident.connection = connection_->name;
    ident.user = user_;
    ident.application_name = application_name_;
    ident.access_rule = rule_->where.line == 0
                            ? rule_->where.file
                            : rule_->where.file + ":" + std::to_string(rule_->where.line);
    ident.backend_role = rule_->role;
    ident.backend_login = backend_login_;
    auto rec = std::make_unique<SessionRecorder>(*audit_, gw_.config().recording, ident);
    if (!rec->record_start(unix_now_ns())) {
      gw_.counters().audit_refusals.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("session {}: refused: audit log not writable: {}", id_, rec->error());
      co_await fail("58030", "gatehouse cannot write its audit log, so no session can start",
                    rec->error());
      co_return false;
    }
    recorder_ = rec.get();
    hooks_.add(std::move(rec));
    store::SessionIndexEntry idx;
    idx.session_id = id_;
    idx.principal =
        principal_.kind == identity::PrincipalKind::kApiKey || principal_.display_name.empty()
            ? principal_.subject
            : principal_.display_name;
    idx.principal_kind = std::string(principal_.kind_name());
    for (const auto& g : principal_.groups) idx.groups += (idx.groups.empty() ? "" : ",") + g;
    idx.connection = connection_->name;
    idx.client = peer_;
    idx.user = user_;
    idx.application_name = application_name_;
    idx.tls = client_.is_tls();
    idx.started_ns = unix_now_ns();
    idx.stream = static_cast<uint32_t>(net::IoThreads::current_index());
    idx.start_seq = recorder_->start_seq();
    Status st = gw_.store().index_session_start(idx);
    if (!st.ok()) spdlog::warn("session {}: sessions index: {}", id_, st.message());
  }
  if (gw_.config().log_level == "debug" || gw_.config().log_level == "trace") {
    hooks_.add(std::make_unique<StatementLog>(id_));
  }
  if (!hooks_.empty()) tracker_.set_hooks(&hooks_);

  std::string out;
  build_auth_request(out, auth::kOk);
  out += link->parameter_status;
  build_backend_key_data(out, pid, secret);
  build_ready_for_query(out, link->tx_status);
  if (!co_await client_.write_all(out)) co_return false;
  co_return true;
}

}  // namespace gh::pg
