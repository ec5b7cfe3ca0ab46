// The relay loops of a session: client -> server and server -> client, each reading all
// that is available, handling every complete message, then writing once.

#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include "common/clock.h"
#include "net/no_throw.h"
#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"
#include "pg/protocol/messages.h"
#include "pg/session/backend_link.h"
#include "pg/session/client_session.h"

namespace gh::pg {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
}  // namespace

asio::awaitable<bool> ClientSession::send_to_client(std::string_view data) {
  if (client_writing_) {
    // Another writer is mid-write: queue behind it, in order.
    client_pending_.append(data);
    co_return true;
  }
  client_writing_ = true;
  bool ok = co_await client_.write_all(data);
  while (ok && !client_pending_.empty()) {
    std::string next;
    next.swap(client_pending_);
    ok = co_await client_.write_all(next);
  }
  client_writing_ = false;
  if (ok) bytes_to_client_ += data.size();
  if (closing_after_write_) close_all();
  co_return ok;
}

asio::awaitable<bool> ClientSession::forward_to_backend(std::string_view data) {
  if (strict_ && recorder_ != nullptr && recorder_->last_seq() > synced_seq_) {
    // Strict durability: nothing is forwarded before its record is on disk. Sessions
    // waiting at the same time share one sync (group commit).
    synced_seq_ = recorder_->last_seq();
    bool durable = co_await wait_durable(synced_seq_);
    if (!durable) {
      end_reason_ = "audit sync failed";
      co_await fail("58030", "gatehouse could not make its audit log durable");
      co_return false;
    }
  }
  bool ok = co_await backend_->write_all(data);
  co_return ok;
}

asio::awaitable<void> ClientSession::await_side_query() {
  awaiting_estimate_ = true;
  while ((tracker_.estimate_pending() || tracker_.internal_pending()) && !closing_) {
    estimate_timer_.expires_at(asio::steady_timer::time_point::max());
    auto [ec] = co_await estimate_timer_.async_wait(net::kNoThrow);
    (void)ec;  // cancelled: answered, or the session is closing
  }
  awaiting_estimate_ = false;
}

asio::awaitable<bool> ClientSession::run_estimate() {
  std::string_view explain = tracker_.replacement();
  if (!co_await forward_to_backend(explain)) co_return false;
  co_await await_side_query();
  co_return !closing_;
}

asio::awaitable<bool> ClientSession::hold_for_review(std::string id) {
  const config::ReviewConfig& cfg = gw_.config().review;
  std::string notice;
  build_error(notice, "NOTICE", "01000",
              "gatehouse: this statement needs approval; review request " + id +
                  " is waiting for an approver, and the statement runs when it is approved",
              "The session holds it and everything sent after it until the request is decided "
              "or expires (" + std::to_string(cfg.timeout.count()) + " s).",
              "An approver decides it at " + cfg.url_of(id, gw_.config().admin) +
                  " (admin API: POST /api/v1/reviews/" + id + "/approve or /deny).",
              'N');
  if (!co_await send_to_client(notice)) co_return false;
  spdlog::info("session {}: holding a statement for review request {}", id_, id);
  // The gauge of held statements, for as long as this coroutine waits.
  struct Held {
    std::atomic<int64_t>& n;
    explicit Held(std::atomic<int64_t>& g) : n(g) { n.fetch_add(1, std::memory_order_relaxed); }
    ~Held() { n.fetch_sub(1, std::memory_order_relaxed); }
  } held(gw_.counters().statements_held);
  const int fd = client_.socket().native_handle();
  while (!closing_) {
    int64_t now = unix_now_ns();
    gw_.reviews().expire(now);  // held sessions drive expiry
    auto r = gw_.reviews().get(id);
    if (!r || r->state != review::State::kPending) co_return true;
    // The client may go away while it waits: its request is moot then.
    char b;
    if (::recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
      gw_.reviews().cancel(id, "the client disconnected", now);
      end_reason_ = "client closed while its statement waited for review";
      co_return false;
    }
    estimate_timer_.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await estimate_timer_.async_wait(net::kNoThrow);
    (void)ec;
  }
  gw_.reviews().cancel(id, "the session ended", unix_now_ns());
  co_return false;
}

asio::awaitable<bool> ClientSession::read_catalog() {
  tracker_.start_internal_query(MaskingHook::catalog_query(), masking_, steady_now_ns());
  std::string_view query = tracker_.replacement();
  if (!co_await forward_to_backend(query)) co_return false;
  co_await await_side_query();
  co_return !closing_;
}

asio::awaitable<void> ClientSession::client_to_backend() {
  const uint32_t max_size = gw_.config().limits.max_message_size;
  std::string due;
  while (!closing_) {
    char* into = client_buf_.writable(kReadChunk);
    long n = co_await client_.read_some(into, client_buf_.writable_size());
    if (closing_) break;
    if (n <= 0) {
      end_reason_ = n == 0 ? "client closed" : "client read error";
      break;
    }
    client_buf_.commit(static_cast<size_t>(n));
    bytes_from_client_ += static_cast<uint64_t>(n);
    int64_t now = steady_now_ns();
    last_activity_ns_ = now;
    // Masking needs the catalog before this batch's results: read it while nothing else is
    // outstanding on the server connection, and outside a transaction block (an error there,
    // say a view dropped meanwhile, must not abort the client's transaction). Until then a
    // relation the snapshot does not know is masked whole.
    if (masking_ != nullptr && tracker_.idle() && tracker_.transaction_status() == 'I' &&
        masking_->wants_catalog(now)) {
      if (!co_await read_catalog()) break;
      now = steady_now_ns();
    }
    std::string_view data = client_buf_.readable();
    size_t pos = 0;        // next message to look at
    size_t fwd_start = 0;  // start of the bytes not yet forwarded
    size_t wanted = 0;
    bool terminate = false;
    bool ok = true;
    while (pos < data.size()) {
      FrameResult r = next_frame(data.substr(pos), max_size);
      if (r.status == FrameStatus::kNeedMoreData) {
        wanted = r.wanted;
        break;
      }
      TrackResult t = r.status == FrameStatus::kError ? TrackResult::kViolation
                                                      : tracker_.on_client_message(r.frame, now);
      if (t == TrackResult::kHold) {
        // Forward what came before, wait for the review decision, then offer this message
        // again (nothing after it is read meanwhile: it stays in the buffer, in order).
        if (pos > fwd_start) {
          std::string_view chunk = data.substr(fwd_start, pos - fwd_start);
          ok = co_await forward_to_backend(chunk);
        }
        fwd_start = pos;
        if (ok) ok = co_await hold_for_review(tracker_.held_review());
        if (!ok) break;
        now = steady_now_ns();
        continue;
      }
      if (t == TrackResult::kEstimate) {
        // Forward what came before, EXPLAIN, then offer this message again.
        if (pos > fwd_start) {
          std::string_view chunk = data.substr(fwd_start, pos - fwd_start);
          ok = co_await forward_to_backend(chunk);
        }
        fwd_start = pos;
        if (ok) ok = co_await run_estimate();
        if (!ok) break;
        now = steady_now_ns();
        continue;
      }
      if (t == TrackResult::kViolation) {
        const char* why = r.status == FrameStatus::kError ? r.error : tracker_.violation();
        gw_.counters().protocol_errors.fetch_add(1, std::memory_order_relaxed);
        end_reason_ = "protocol violation by client";
        spdlog::info("session {}: protocol violation by client: {}", id_, why);
        co_await fail("08P01", std::string("protocol violation: ") + why);
        co_return;
      }
      if (t == TrackResult::kDrop || t == TrackResult::kReplace) {
        // Forward what came before, then skip this message (or send its replacement).
        if (pos > fwd_start) {
          std::string_view chunk = data.substr(fwd_start, pos - fwd_start);
          ok = co_await forward_to_backend(chunk);
        }
        if (ok && t == TrackResult::kReplace) {
          std::string_view replacement = tracker_.replacement();
          ok = co_await forward_to_backend(replacement);
        }
        if (!ok) break;
        fwd_start = pos + r.consumed;
      }
      pos += r.consumed;
      if (t == TrackResult::kTerminate) {
        terminate = true;
        break;
      }
    }
    if (ok && pos > fwd_start) {
      std::string_view chunk = data.substr(fwd_start, pos - fwd_start);
      ok = co_await forward_to_backend(chunk);
    }
    if (!ok) {
      if (!closing_) end_reason_ = "server write error";
      break;
    }
    client_buf_.consume(pos);
    // Refusals with nothing ahead of them in the response order are answered now.
    if (tracker_.has_due_responses()) {
      due.clear();
      tracker_.take_due_responses(due);
      if (!co_await send_to_client(due)) break;
    }
    if (terminate) {
      end_reason_ = "client terminated";
      break;
    }
    if (wanted > 0) {
      client_buf_.reserve_message(wanted);
    } else {
      client_buf_.shrink_if_idle();
    }
  }
  if (!closing_ && tracker_.busy() && backend_) {
    // The client left mid-query: stop the query, then end the server session.
    end_reason_ = "client disconnected mid-query";
    co_await send_backend_cancel(client_.socket().get_executor(), *connection_, backend_pid_,
                                 backend_secret_);
    std::string out;
    build_terminate(out);
    co_await backend_->write_all(out);
  }
  close_all();
}

asio::awaitable<void> ClientSession::backend_to_client() {
  const uint32_t max_size = gw_.config().limits.max_message_size;
  std::string assembled;  // used only when the gateway inserts its own responses
  while (!closing_) {
    char* into = backend_buf_.writable(kReadChunk);
    long n = co_await backend_->read_some(into, backend_buf_.writable_size());
    if (closing_) break;
    if (n <= 0) {
      gw_.counters().backend_lost.fetch_add(1, std::memory_order_relaxed);
      end_reason_ = "server closed the connection";
      spdlog::info("session {}: server connection ended: {}", id_,
                   n == 0 ? "closed by server" : backend_->error());
      if (!backend_sent_fatal_) {
        co_await fail("08006", "the server of connection \"" + connection_->name +
                                   "\" closed the connection unexpectedly");
      }
      break;
    }
    backend_buf_.commit(static_cast<size_t>(n));
    int64_t now = steady_now_ns();
    std::string_view data = backend_buf_.readable();
    size_t pos = 0;
    size_t copied = 0;  // with `assembled` in use: bytes of `data` already appended to it
    size_t wanted = 0;
    bool violation = false;
    assembled.clear();
    bool assembling = false;
    while (pos < data.size()) {
      FrameResult r = next_frame(data.substr(pos), max_size);
      if (r.status == FrameStatus::kNeedMoreData) {
        wanted = r.wanted;
        break;
      }
      TrackResult t = r.status == FrameStatus::kError ? TrackResult::kViolation
                                                      : tracker_.on_backend_message(r.frame, now);
      if (t == TrackResult::kViolation) {
        const char* why = r.status == FrameStatus::kError ? r.error : tracker_.violation();
        gw_.counters().protocol_errors.fetch_add(1, std::memory_order_relaxed);
        end_reason_ = "protocol violation by server";
        spdlog::warn("session {}: protocol violation by server: {}", id_, why);
        violation = true;
        break;
      }
      if (r.frame.type == msg::kErrorResponse) {
        ErrorFields e;
        if (parse_error_fields(r.frame.body, e) && (e.severity == "FATAL" || e.severity == "PANIC"))
          backend_sent_fatal_ = true;
      }
      if (t == TrackResult::kDrop || t == TrackResult::kReplace) {
        // A response the client did not ask for (see RequestKind::kInjectedQuery), or a
        // masked row in place of the server's.
        assembled.append(data.substr(copied, pos - copied));
        if (t == TrackResult::kReplace) assembled.append(tracker_.row_replacement());
        copied = pos + r.consumed;
        assembling = true;
      }
      pos += r.consumed;
      if (tracker_.has_due_responses()) {
        // Insert the gateway's responses right after this message.
        assembled.append(data.substr(copied, pos - copied));
        copied = pos;
        tracker_.take_due_responses(assembled);
        assembling = true;
      }
    }
    if (awaiting_estimate_ && !tracker_.estimate_pending() && !tracker_.internal_pending())
      estimate_timer_.cancel();
    // Forward what was valid (even before a violation), in one write.
    bool ok = true;
    if (assembling) {
      assembled.append(data.substr(copied, pos - copied));
      ok = co_await send_to_client(assembled);
    } else if (pos > 0) {
      ok = co_await send_to_client(data.substr(0, pos));
    }
    if (violation) {
      co_await fail("08P01", "gatehouse received an invalid message from the server");
      co_return;
    }
    if (!ok) {
      if (!closing_) end_reason_ = "client write error";
      break;
    }
    backend_buf_.consume(pos);
    if (wanted > 0) {
      backend_buf_.reserve_message(wanted);
    } else {
      backend_buf_.shrink_if_idle();
    }
  }
  if (!closing_) close_all();
}

}  // namespace gh::pg
