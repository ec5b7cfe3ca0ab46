#pragma once

// One client connection: startup, authentication, the backend login, then the relay
// loop in both directions until either side ends. Lives on one io thread.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "common/byte_buffer.h"
#include "identity/principal.h"
#include "net/conn.h"
#include "pg/protocol/startup.h"
#include "pg/session/backend_link.h"
#include "pg/session/gateway.h"
#include "pg/session/masking_hook.h"
#include "pg/session/request_tracker.h"
#include "pg/session/session_phase.h"
#include "pg/session/session_recorder.h"
#include "pg/session/statement_hooks.h"
#include "store/state_store.h"

namespace gh::pg {

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Gateway& gw, asio::ip::tcp::socket socket);
  ~ClientSession();

  // Runs the whole session; returns when it is over and both sockets are closed.
  asio::awaitable<void> run();

  const identity::Principal& principal() const { return principal_; }
  // The access grant that let this session in ("" if an access rule did).
  const std::string& grant_id() const { return grant_id_; }
  // Ends the session from outside its coroutines (an identity change): a FATAL error with
  // `sqlstate` and `message` to the client, then close. `reason` goes to session.end.
  void terminate(const char* sqlstate, std::string message, const char* reason);

 private:
  asio::awaitable<bool> startup();
  asio::awaitable<bool> authenticate();
  asio::awaitable<bool> authenticate_key(std::string_view secret);
  asio::awaitable<bool> authenticate_token(std::string_view token);
  // The connection and the access rule; refuses with 3D000 / 28000.
  asio::awaitable<bool> authorize();
  // The login the rule's role maps to: a static one, or a new ephemeral role.
  asio::awaitable<bool> choose_login(config::BackendCredential& login);
  asio::awaitable<bool> connect_backend();
  void drop_ephemeral_role();
  void record_credential_event(audit::RecordType type, std::string_view error);
  // Ends the session when its token or key expires (on_token_expiry: terminate) or its
  // rule's max_session is reached.
  void arm_deadline();
  asio::awaitable<void> client_to_backend();
  asio::awaitable<void> backend_to_client();
  asio::awaitable<void> handle_cancel(const StartupPacket& p);
  void arm_timer(std::chrono::milliseconds after);
  void on_timer();

  // Sends a FATAL error to the client (unless another write is in flight) and closes.
  // Arguments by value: the coroutine keeps its own copies (no views of temporaries
  // held across a suspension).
  asio::awaitable<void> fail(const char* sqlstate, std::string message, std::string detail = {});
  void close_all();
  // Writes to the client in order with any other writer of this session (the pumps
  // and error paths): if a write is in flight, `data` is queued behind it.
  asio::awaitable<bool> send_to_client(std::string_view data);
  void advance(SessionEvent e) { phase_ = next_phase(phase_, e); }
  void record_auth_failure(std::string_view reason, std::string_view category);
  // Refuses the login: counts it, logs it, records auth.failure, sends FATAL.
  asio::awaitable<void> refuse_login(const char* sqlstate, std::string category,
                                     std::string message, std::string detail,
                                     std::string log_reason);
  // Strict durability: waits until the audit stream is durable up to `seq`.
  asio::awaitable<bool> wait_durable(uint64_t seq);
  // Writes client bytes to the server once their records are durable enough.
  asio::awaitable<bool> forward_to_backend(std::string_view data);
  // Sends the tracker's EXPLAIN and waits for its answer (TrackResult::kEstimate).
  asio::awaitable<bool> run_estimate();
  // Reads the server's catalog for the masking hook (the tracker's internal query).
  asio::awaitable<bool> read_catalog();
  // Holds the statement until review request `id` is decided (TrackResult::kHold): a notice
  // to the client, then a wait; false if the session ends meanwhile (the request is cancelled).
  asio::awaitable<bool> hold_for_review(std::string id);
  // Waits until the tracker has the answer to the gateway's own query (EXPLAIN or catalog).
  asio::awaitable<void> await_side_query();

  Gateway& gw_;
  net::Conn client_;
  std::unique_ptr<net::Conn> backend_;
  asio::steady_timer timer_;
  asio::steady_timer deadline_timer_;
  // The client pump waits on it for the server's answer to an EXPLAIN the hooks asked for;
  // the server pump cancels it once the tracker has the estimates.
  asio::steady_timer estimate_timer_;
  bool awaiting_estimate_ = false;
  SessionPhase phase_ = SessionPhase::kAwaitStartup;
  std::string peer_;
  std::string id_;

  // From the startup packet (copied: the packet buffer is reused).
  std::string user_;
  std::string database_;
  std::string application_name_;
  std::vector<std::pair<std::string, std::string>> forwarded_params_;
  const config::Connection* connection_ = nullptr;
  const config::AccessRule* rule_ = nullptr;
  config::AccessRule grant_rule_;  // rule_ points here when an access grant let the login in
  std::string grant_id_;
  identity::Principal principal_;
  bool authenticated_ = false;
  std::string backend_login_;     // the user gatehouse logged in to the server as
  std::string ephemeral_role_;    // set while this session's ephemeral role exists
  bool registered_live_ = false;  // in the gateway's live-session set

  ByteBuffer client_buf_;
  ByteBuffer backend_buf_;
  RequestTracker tracker_;
  HookChain hooks_;
  SessionRecorder* recorder_ = nullptr;  // owned by hooks_
  MaskingHook* masking_ = nullptr;       // owned by hooks_; null without masking rules
  audit::StreamWriter* audit_ = nullptr;
  bool strict_ = false;      // audit durability: strict
  uint64_t synced_seq_ = 0;  // strict: highest seq already made durable for us
  uint32_t backend_pid_ = 0;
  uint32_t backend_secret_ = 0;
  uint32_t client_pid_ = 0;
  bool registered_cancel_ = false;

  bool client_writing_ = false;  // a write to the client is in flight
  std::string client_pending_;   // queued behind it
  bool closing_after_write_ = false;
  bool closing_ = false;
  bool backend_sent_fatal_ = false;
  const char* end_reason_ = "client closed";
  int64_t last_activity_ns_ = 0;
  int64_t started_ns_ = 0;
  uint64_t bytes_from_client_ = 0;
  uint64_t bytes_to_client_ = 0;
};

}  // namespace gh::pg
