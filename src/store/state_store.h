#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gh::store {

// A gatehouse API key as stored: never the key itself, only its SHA-256.
struct ApiKey {
  std::string name;   // unique, chosen by the operator
  std::string owner;  // who it was issued to (defaults to name)
  std::vector<std::string> groups;
  int64_t created_at = 0;                // unix seconds
  std::optional<int64_t> expires_at;     // unix seconds
  std::optional<int64_t> revoked_at;     // unix seconds
  std::string prefix;                    // first characters of the key, for display
};

struct NewApiKey {
  std::string name;
  std::string owner;
  std::vector<std::string> groups;
  std::optional<int64_t> expires_at;
};

struct CreatedApiKey {
  ApiKey key;
  std::string secret;  // the full `ghk_…` key; shown once, never stored
};

// A signed audit checkpoint (see audit/writer.h), kept here too so that someone who
// can rewrite the segment files but not this store is caught by `audit verify`.
struct AuditCheckpoint {
  uint32_t stream = 0;
  uint64_t segment = 0;
  uint64_t seq = 0;
  std::string hash_hex;
  int64_t time_ns = 0;
  std::string signature_b64;
};

// One row of the sessions index, so listing sessions does not scan the audit log.
struct SessionIndexEntry {
  std::string session_id;
  std::string principal;        // key name (later: OIDC subject)
  std::string principal_kind;   // "api_key" | "oidc"
  std::string groups;           // comma-separated
  std::string connection;
  std::string client;           // ip:port
  std::string user;             // startup user name (informational)
  std::string application_name;
  bool tls = false;
  int64_t started_ns = 0;
  int64_t ended_ns = 0;         // 0 while open
  std::string end_reason;
  uint64_t statements = 0;
  uint32_t stream = 0;          // audit stream and the seq of its session.start record
  uint64_t start_seq = 0;
};

struct SessionFilter {
  int64_t since_ns = 0;          // sessions that ended after (or are open)
  int64_t until_ns = 0;          // 0 = no bound; sessions that started before
  std::string principal;         // exact; "" = any
  std::string connection;        // exact; "" = any
  size_t limit = 1000;            // 0 = no limit
};

// A review request as stored: review/ owns the body's format; the store only keeps it.
struct StoredReview {
  std::string id;
  uint64_t version = 0;  // changes of the request so far; an older version never overwrites
  std::string state;     // "pending", "approved", ...
  int64_t created_ns = 0;
  int64_t updated_ns = 0;
  std::string body;
};

// A review notification waiting for delivery to the webhook.
struct OutboxEntry {
  int64_t id = 0;  // queue order
  std::string event;
  std::string body;
  int64_t created_ns = 0;
};

// The persistent state of one gatehouse deployment. Implementations are safe to call
// from several threads.
class StateStore {
 public:
  virtual ~StateStore() = default;

  // Invalid if the name exists already.
  virtual Result<CreatedApiKey> create_api_key(const NewApiKey& req) = 0;
  // Looks a presented key up by its hash. NotFound for an unknown key; Denied (with
  // "revoked" or "expired" in the message) for one that may not log in at `now`.
  virtual Result<ApiKey> authenticate_api_key(std::string_view secret, int64_t now) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys() = 0;
  // NotFound if no key has that name.
  virtual Status revoke_api_key(std::string_view name, int64_t now) = 0;

  // Audit checkpoints, in insertion order.
  virtual Status add_audit_checkpoint(const AuditCheckpoint& c) = 0;
  virtual Result<std::vector<AuditCheckpoint>> list_audit_checkpoints() = 0;

  // Sessions index: a row at session start, completed at session end.
  // index_session_start: Invalid if the id is empty or indexed already (its ended_ns,
  // end_reason and statements are ignored). index_session_end: NotFound for an unknown id.
  virtual Status index_session_start(const SessionIndexEntry& s) = 0;
  virtual Status index_session_end(std::string_view session_id, int64_t ended_ns,
                                   std::string_view reason, uint64_t statements) = 0;
  // Sessions overlapping the filter's period, newest first (started_ns descending).
  virtual Result<std::vector<SessionIndexEntry>> list_sessions(const SessionFilter& f) = 0;
  // NotFound for an unknown id.
  virtual Result<SessionIndexEntry> get_session(std::string_view session_id) = 0;

  // Review requests: saved at every change (a write with a version not above the stored one
  // is ignored), loaded at startup: those still pending and those changed since `since_ns`.
  virtual Status save_review(const StoredReview& r) = 0;
  virtual Result<std::vector<StoredReview>> load_reviews(int64_t since_ns) = 0;

  // The webhook's outbox: a notification is added before its first delivery attempt and
  // removed once delivered or given up, so a restart delivers what was still waiting.
  virtual Result<int64_t> outbox_add(std::string_view event, std::string_view body,
                                     int64_t now_ns) = 0;
  virtual Status outbox_remove(int64_t id) = 0;
  virtual Result<std::vector<OutboxEntry>> outbox_load() = 0;  // oldest first
};

// The embedded store: SQLite (WAL) at `<data_dir>/state.db`, created with its schema
// on first open; the folder is created too.
Result<std::unique_ptr<StateStore>> open_sqlite_store(const std::string& data_dir);

}  // namespace gh::store
