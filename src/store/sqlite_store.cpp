// The embedded StateStore: one SQLite connection in WAL mode behind a mutex. Calls are rare
// (a login with an API key, an admin action), so one connection is plenty; the busy timeout
// lets a CLI process write to the same file while the server runs.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <mutex>

#include "store/api_key_format.h"
#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_session_query.h"
#include "store/state_store.h"

namespace gh::store {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDatabaseFile = "state.db";
constexpr const char* kKeyColumns =
    "name, owner, groups, prefix, created_at, expires_at, revoked_at";

// Creates `dir` and any missing parents as 0700: the folder holds the audit trail and keys.
// An existing folder keeps its mode: the operator may have chosen it.
Status ensure_private_dir(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  fs::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (part.empty() || part == "/") continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Io("cannot create data directory " + partial.string() + ": " +
                        std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::Io("data directory " + dir + " is not a directory");
  }
  return Status::Ok();
}

// Creates the database file as 0600 before SQLite does (SQLite would use 0644 less umask);
// SQLite gives its -wal and -shm files the database file's mode.
Status ensure_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("cannot open state store " + path + ": " + std::strerror(errno));
  ::close(fd);
  return Status::Ok();
}

class SqliteStore final : public StateStore {
 public:
  explicit SqliteStore(Database db) : db_(std::move(db)) {}

  Status prepare_statements();

  Result<CreatedApiKey> create_api_key(const NewApiKey& req) override;
  Result<ApiKey> authenticate_api_key(std::string_view secret, int64_t now) override;
  Result<std::vector<ApiKey>> list_api_keys() override;
  Status revoke_api_key(std::string_view name, int64_t now) override;

  Status add_audit_checkpoint(const AuditCheckpoint& c) override;
  Result<std::vector<AuditCheckpoint>> list_audit_checkpoints() override;

  Status index_session_start(const SessionIndexEntry& s) override;
  Status index_session_end(std::string_view session_id, int64_t ended_ns, std::string_view reason,
                           uint64_t statements) override;
  Result<std::vector<SessionIndexEntry>> list_sessions(const SessionFilter& f) override;
  Result<SessionIndexEntry> get_session(std::string_view session_id) override;

  Status save_review(const StoredReview& r) override;
  Result<std::vector<StoredReview>> load_reviews(int64_t since_ns) override;
  Result<int64_t> outbox_add(std::string_view event, std::string_view body,
                             int64_t now_ns) override;
  Status outbox_remove(int64_t id) override;
  Result<std::vector<OutboxEntry>> outbox_load() override;

 private:
  static ApiKey read_key(const Statement& row);
  static SessionIndexEntry read_session(const Statement& row);

  std::mutex mu_;
  Database db_;  // declared before the statements, so it outlives them
  Statement insert_key_;
  Statement key_by_hash_;
  Statement all_keys_;
  Statement revoke_key_;
  Statement key_exists_;
  Statement insert_checkpoint_;
  Statement all_checkpoints_;
  Statement insert_session_;
  Statement end_session_;
  Statement session_by_id_;
  Statement save_review_;
  Statement load_reviews_;
  Statement outbox_add_;
  Statement outbox_remove_;
  Statement outbox_load_;
  // list_sessions, one per filter combination (bit 0: principal, bit 1: connection),
  // prepared on first use.
  Statement list_sessions_[4];
};

Status SqliteStore::prepare_statements() {
  struct {
    Statement* stmt;
    std::string sql;
  } const kStatements[] = {
      {&insert_key_,
       "INSERT INTO api_keys (name, owner, groups, key_hash, prefix, created_at, expires_at)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&key_by_hash_, std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE key_hash = ?1"},
      {&all_keys_, std::string("SELECT ") + kKeyColumns + " FROM api_keys ORDER BY name"},
      {&revoke_key_, "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL"},
      {&key_exists_, "SELECT 1 FROM api_keys WHERE name = ?1"},
      {&insert_checkpoint_,
       "INSERT INTO audit_checkpoints (stream, segment, seq, hash, time_ns, signature)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&all_checkpoints_,
       "SELECT stream, segment, seq, hash, time_ns, signature FROM audit_checkpoints"
       " ORDER BY id"},
      {&insert_session_, std::string("INSERT INTO sessions (") + kSessionColumns +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, '', 0,"
                             " ?11, ?12)"},
      {&end_session_,
       "UPDATE sessions SET ended_ns = ?2, end_reason = ?3, statements = ?4"
       " WHERE session_id = ?1"},
      {&session_by_id_,
       std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE session_id = ?1"},
      {&save_review_,
       "INSERT INTO reviews (id, version, state, created_ns, updated_ns, body)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
       " ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state,"
       " updated_ns = excluded.updated_ns, body = excluded.body"
       " WHERE excluded.version > reviews.version"},
      {&load_reviews_,
       "SELECT id, version, state, created_ns, updated_ns, body FROM reviews"
       " WHERE state = 'pending' OR updated_ns >= ?1 ORDER BY created_ns"},
      {&outbox_add_,
       "INSERT INTO webhook_outbox (event, body, created_ns) VALUES (?1, ?2, ?3) RETURNING id"},
      {&outbox_remove_, "DELETE FROM webhook_outbox WHERE id = ?1"},
      {&outbox_load_, "SELECT id, event, body, created_ns FROM webhook_outbox ORDER BY id"},
  };
  for (const auto& s : kStatements) {
    auto stmt = db_.prepare(s.sql);
    if (!stmt.ok()) return stmt.status();
    *s.stmt = std::move(stmt).value();
  }
  return Status::Ok();
}

ApiKey SqliteStore::read_key(const Statement& row) {
  ApiKey k;
  k.name = row.column_text(0);
  k.owner = row.column_text(1);
  k.groups = split_groups(row.column_text(2));
  k.prefix = row.column_text(3);
  k.created_at = row.column_int64(4);
  k.expires_at = row.column_optional_int64(5);
  k.revoked_at = row.column_optional_int64(6);
  return k;
}

Result<CreatedApiKey> SqliteStore::create_api_key(const NewApiKey& req) {
  if (Status s = validate_new_api_key(req); !s.ok()) return s;
  CreatedApiKey out;
  out.secret = generate_api_key();
  ApiKey& k = out.key;
  k.name = req.name;
  k.owner = req.owner.empty() ? req.name : req.owner;
  k.groups = req.groups;
  k.created_at = static_cast<int64_t>(std::time(nullptr));
  k.expires_at = req.expires_at;
  k.prefix = api_key_display_prefix(out.secret);

  std::lock_guard lock(mu_);
  StatementReset reset(insert_key_);
  insert_key_.bind(1, k.name);
  insert_key_.bind(2, k.owner);
  insert_key_.bind(3, join_groups(k.groups));
  insert_key_.bind(4, api_key_hash(out.secret));
  insert_key_.bind(5, k.prefix);
  insert_key_.bind(6, k.created_at);
  insert_key_.bind(7, k.expires_at);
  int rc = insert_key_.step();
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    return Status::Invalid("an api key named '" + k.name + "' already exists");
  }
  if (rc != SQLITE_DONE) return db_.error("cannot store api key");
  return out;
}

Result<ApiKey> SqliteStore::authenticate_api_key(std::string_view secret, int64_t now) {
  if (!looks_like_api_key(secret)) return Status::NotFound("unknown api key");
  std::string hash = api_key_hash(secret);

  std::lock_guard lock(mu_);
  StatementReset reset(key_by_hash_);
  key_by_hash_.bind(1, hash);
  int rc = key_by_hash_.step();
  if (rc == SQLITE_DONE) return Status::NotFound("unknown api key");
  if (rc != SQLITE_ROW) return db_.error("cannot look up api key");
  ApiKey k = read_key(key_by_hash_);
  if (k.revoked_at) return Status::Denied("api key revoked");
  if (k.expires_at && *k.expires_at <= now) return Status::Denied("api key expired");
  return k;
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys() {
  std::lock_guard lock(mu_);
  StatementReset reset(all_keys_);
  std::vector<ApiKey> out;
  int rc = 0;
  while ((rc = all_keys_.step()) == SQLITE_ROW) out.push_back(read_key(all_keys_));
  if (rc != SQLITE_DONE) return db_.error("cannot list api keys");
  return out;
}

Status SqliteStore::revoke_api_key(std::string_view name, int64_t now) {
  std::lock_guard lock(mu_);
  {
    StatementReset reset(revoke_key_);
    revoke_key_.bind(1, name);
    revoke_key_.bind(2, now);
    if (revoke_key_.step() != SQLITE_DONE) return db_.error("cannot revoke api key");
    if (db_.changes() > 0) return Status::Ok();
  }
  // Nothing changed: either no such key, or it was revoked before (which keeps its time).
  StatementReset reset(key_exists_);
  key_exists_.bind(1, name);
  int rc = key_exists_.step();
  if (rc == SQLITE_ROW) return Status::Ok();
  if (rc != SQLITE_DONE) return db_.error("cannot revoke api key");
  return Status::NotFound("no api key named '" + std::string(name) + "'");
}

Status SqliteStore::add_audit_checkpoint(const AuditCheckpoint& c) {
  std::lock_guard lock(mu_);
  StatementReset reset(insert_checkpoint_);
  insert_checkpoint_.bind(1, static_cast<int64_t>(c.stream));
  insert_checkpoint_.bind(2, static_cast<int64_t>(c.segment));
  insert_checkpoint_.bind(3, static_cast<int64_t>(c.seq));
  insert_checkpoint_.bind(4, c.hash_hex);
  insert_checkpoint_.bind(5, c.time_ns);
  insert_checkpoint_.bind(6, c.signature_b64);
  if (insert_checkpoint_.step() != SQLITE_DONE) return db_.error("cannot store audit checkpoint");
  return Status::Ok();
}

Result<std::vector<AuditCheckpoint>> SqliteStore::list_audit_checkpoints() {
  std::lock_guard lock(mu_);
  StatementReset reset(all_checkpoints_);
  std::vector<AuditCheckpoint> out;
  int rc = 0;
  while ((rc = all_checkpoints_.step()) == SQLITE_ROW) {
    AuditCheckpoint c;
    c.stream = static_cast<uint32_t>(all_checkpoints_.column_int64(0));
    c.segment = static_cast<uint64_t>(all_checkpoints_.column_int64(1));
    c.seq = static_cast<uint64_t>(all_checkpoints_.column_int64(2));
    c.hash_hex = all_checkpoints_.column_text(3);
    c.time_ns = all_checkpoints_.column_int64(4);
    c.signature_b64 = all_checkpoints_.column_text(5);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_.error("cannot list audit checkpoints");
  return out;
}

SessionIndexEntry SqliteStore::read_session(const Statement& row) {
  SessionIndexEntry s;
  s.session_id = row.column_text(0);
  s.principal = row.column_text(1);
  s.principal_kind = row.column_text(2);
  s.groups = row.column_text(3);
  s.connection = row.column_text(4);
  s.client = row.column_text(5);
  s.user = row.column_text(6);
  s.application_name = row.column_text(7);
  s.tls = row.column_int64(8) != 0;
  s.started_ns = row.column_int64(9);
  s.ended_ns = row.column_optional_int64(10).value_or(0);
  s.end_reason = row.column_text(11);
  s.statements = static_cast<uint64_t>(row.column_int64(12));
  s.stream = static_cast<uint32_t>(row.column_int64(13));
  s.start_seq = static_cast<uint64_t>(row.column_int64(14));
  return s;
}

Status SqliteStore::index_session_start(const SessionIndexEntry& s) {
  if (s.session_id.empty()) return Status::Invalid("sessions index: session id is empty");
  std::lock_guard lock(mu_);
  StatementReset reset(insert_session_);
  insert_session_.bind(1, s.session_id);
  insert_session_.bind(2, s.principal);
  insert_session_.bind(3, s.principal_kind);
  insert_session_.bind(4, s.groups);
  insert_session_.bind(5, s.connection);
  insert_session_.bind(6, s.client);
  insert_session_.bind(7, s.user);
  insert_session_.bind(8, s.application_name);
  insert_session_.bind(9, static_cast<int64_t>(s.tls ? 1 : 0));
  insert_session_.bind(10, s.started_ns);
  insert_session_.bind(11, static_cast<int64_t>(s.stream));
  insert_session_.bind(12, static_cast<int64_t>(s.start_seq));
  int rc = insert_session_.step();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
    return Status::Invalid("sessions index: session '" + s.session_id + "' is indexed already");
  }
  if (rc != SQLITE_DONE) return db_.error("cannot index session start");
  return Status::Ok();
}

Status SqliteStore::index_session_end(std::string_view session_id, int64_t ended_ns,
                                      std::string_view reason, uint64_t statements) {
  std::lock_guard lock(mu_);
  StatementReset reset(end_session_);
  end_session_.bind(1, session_id);
  end_session_.bind(2, ended_ns);
  end_session_.bind(3, reason);
  end_session_.bind(4, static_cast<int64_t>(statements));
  if (end_session_.step() != SQLITE_DONE) return db_.error("cannot index session end");
  if (db_.changes() == 0) {
    return Status::NotFound("sessions index: no session '" + std::string(session_id) + "'");
  }
  return Status::Ok();
}

Result<std::vector<SessionIndexEntry>> SqliteStore::list_sessions(const SessionFilter& f) {
  const bool by_principal = !f.principal.empty();
  const bool by_connection = !f.connection.empty();
  const int which = (by_principal ? 1 : 0) | (by_connection ? 2 : 0);

  std::lock_guard lock(mu_);
  Statement& q = list_sessions_[which];
  if (!q.prepared()) {
    auto stmt = db_.prepare(sessions_list_sql(by_principal, by_connection));
    if (!stmt.ok()) return stmt.status();
    q = std::move(stmt).value();
  }
  StatementReset reset(q);
  q.bind(1, f.since_ns);
  q.bind(2, f.until_ns > 0 ? f.until_ns : std::numeric_limits<int64_t>::max());
  // SQLite reads a negative LIMIT as "no limit".
  q.bind(3, f.limit > 0 ? static_cast<int64_t>(f.limit) : int64_t{-1});
  if (by_principal) q.bind(4, f.principal);
  if (by_connection) q.bind(5, f.connection);
  std::vector<SessionIndexEntry> out;
  int rc = 0;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_session(q));
  if (rc != SQLITE_DONE) return db_.error("cannot list sessions");
  return out;
}

Result<SessionIndexEntry> SqliteStore::get_session(std::string_view session_id) {
  std::lock_guard lock(mu_);
  StatementReset reset(session_by_id_);
  session_by_id_.bind(1, session_id);
  int rc = session_by_id_.step();
  if (rc == SQLITE_DONE) return Status::NotFound("no session '" + std::string(session_id) + "'");
  if (rc != SQLITE_ROW) return db_.error("cannot look up session");
  return read_session(session_by_id_);
}

}  // namespace

std::string sessions_list_sql(bool by_principal, bool by_connection) {
  // A session overlaps [since, until) if it ended at or after `since` (or is still open) and
  // started before `until`. Newest first, so a limit keeps the most recent sessions.
  std::string sql = std::string("SELECT ") + kSessionColumns +
                    " FROM sessions WHERE (ended_ns IS NULL OR ended_ns >= ?1)"
                    " AND started_ns < ?2";
  if (by_principal) sql += " AND principal = ?4";
  if (by_connection) sql += " AND connection = ?5";
  sql += " ORDER BY started_ns DESC, session_id LIMIT ?3";
  return sql;
}

Status SqliteStore::save_review(const StoredReview& r) {
  if (r.id.empty()) return Status::Invalid("a review request needs an id");
  std::lock_guard lock(mu_);
  StatementReset reset(save_review_);
  save_review_.bind(1, r.id);
  save_review_.bind(2, static_cast<int64_t>(r.version));
  save_review_.bind(3, r.state);
  save_review_.bind(4, r.created_ns);
  save_review_.bind(5, r.updated_ns);
  save_review_.bind(6, r.body);
  if (save_review_.step() != SQLITE_DONE) return db_.error("cannot save review request " + r.id);
  return Status::Ok();
}

Result<std::vector<StoredReview>> SqliteStore::load_reviews(int64_t since_ns) {
  std::lock_guard lock(mu_);
  StatementReset reset(load_reviews_);
  load_reviews_.bind(1, since_ns);
  std::vector<StoredReview> out;
  int rc = 0;
  while ((rc = load_reviews_.step()) == SQLITE_ROW) {
    StoredReview r;
    r.id = load_reviews_.column_text(0);
    r.version = static_cast<uint64_t>(load_reviews_.column_int64(1));
    r.state = load_reviews_.column_text(2);
    r.created_ns = load_reviews_.column_int64(3);
    r.updated_ns = load_reviews_.column_int64(4);
    r.body = load_reviews_.column_text(5);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_.error("cannot load review requests");
  return out;
}

Result<int64_t> SqliteStore::outbox_add(std::string_view event, std::string_view body,
                                        int64_t now_ns) {
  std::lock_guard lock(mu_);
  StatementReset reset(outbox_add_);
  outbox_add_.bind(1, event);
  outbox_add_.bind(2, body);
  outbox_add_.bind(3, now_ns);
  if (outbox_add_.step() != SQLITE_ROW) return db_.error("cannot queue a webhook notification");
  return outbox_add_.column_int64(0);
}

Status SqliteStore::outbox_remove(int64_t id) {
  std::lock_guard lock(mu_);
  StatementReset reset(outbox_remove_);
  outbox_remove_.bind(1, id);
  if (outbox_remove_.step() != SQLITE_DONE)
    return db_.error("cannot remove a delivered webhook notification");
  return Status::Ok();
}

Result<std::vector<OutboxEntry>> SqliteStore::outbox_load() {
  std::lock_guard lock(mu_);
  StatementReset reset(outbox_load_);
  std::vector<OutboxEntry> out;
  int rc = 0;
  while ((rc = outbox_load_.step()) == SQLITE_ROW) {
    OutboxEntry e;
    e.id = outbox_load_.column_int64(0);
    e.event = outbox_load_.column_text(1);
    e.body = outbox_load_.column_text(2);
    e.created_ns = outbox_load_.column_int64(3);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db_.error("cannot load the webhook outbox");
  return out;
}

Result<std::unique_ptr<StateStore>> open_sqlite_store(const std::string& data_dir) {
  if (data_dir.empty()) return Status::Invalid("state store: data directory is not set");
  if (Status s = ensure_private_dir(data_dir); !s.ok()) return s;
  std::string path = (fs::path(data_dir) / kDatabaseFile).string();
  if (Status s = ensure_private_file(path); !s.ok()) return s;
  auto db = Database::open(path);
  if (!db.ok()) return db.status();
  if (Status s = migrate_sqlite_schema(db.value()); !s.ok()) return s;
  auto store = std::make_unique<SqliteStore>(std::move(db).value());
  if (Status s = store->prepare_statements(); !s.ok()) return s;
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace gh::store
