#include "store/sqlite_schema.h"

#include <sqlite3.h>

#include <ctime>
#include <string>

namespace gh::store {

namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only. Times are unix seconds unless named *_ns; NULL means "not set".
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE api_keys ("
     "  id INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  owner TEXT NOT NULL,"
     "  groups TEXT NOT NULL,"           // comma-separated
     "  key_hash TEXT NOT NULL UNIQUE,"  // lowercase hex SHA-256 of the whole key
     "  prefix TEXT NOT NULL,"
     "  created_at INTEGER NOT NULL,"
     "  expires_at INTEGER,"
     "  revoked_at INTEGER"
     ");"},
    // Audit checkpoints (a copy of the signed ones in the segment files) and the sessions
    // index. Times here are unix nanoseconds, as in the audit records.
    {2,
     "CREATE TABLE audit_checkpoints ("
     "  id INTEGER PRIMARY KEY,"  // insertion order
     "  stream INTEGER NOT NULL,"
     "  segment INTEGER NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  hash TEXT NOT NULL,"  // lowercase hex chain hash of record `seq`
     "  time_ns INTEGER NOT NULL,"
     "  signature TEXT NOT NULL"  // base64 Ed25519 signature
     ");"
     "CREATE INDEX audit_checkpoints_by_stream ON audit_checkpoints (stream, seq);"
     "CREATE TABLE sessions ("
     "  session_id TEXT PRIMARY KEY,"
     "  principal TEXT NOT NULL,"
     "  principal_kind TEXT NOT NULL,"
     "  groups TEXT NOT NULL,"  // comma-separated
     "  connection TEXT NOT NULL,"
     "  client TEXT NOT NULL,"
     "  user_name TEXT NOT NULL,"
     "  application_name TEXT NOT NULL,"
     "  tls INTEGER NOT NULL,"
     "  started_ns INTEGER NOT NULL,"
     "  ended_ns INTEGER,"  // NULL while the session is open
     "  end_reason TEXT NOT NULL DEFAULT '',"
     "  statements INTEGER NOT NULL DEFAULT 0,"
     "  stream INTEGER NOT NULL,"  // where its session.start record is
     "  start_seq INTEGER NOT NULL"
     ");"
     "CREATE INDEX sessions_by_start ON sessions (started_ns);"
     "CREATE INDEX sessions_by_end ON sessions (ended_ns);"
     "CREATE INDEX sessions_by_principal ON sessions (principal, started_ns);"
     "CREATE INDEX sessions_by_connection ON sessions (connection, started_ns);"},
    // Review requests, so a restart neither loses pending ones nor forgets recent decisions.
    // `body` is the request as review/ writes it; `version` counts its changes, so that a
    // stale write (changes are saved outside the review book's lock) never wins.
    {3,
     "CREATE TABLE reviews ("
     "  id TEXT PRIMARY KEY,"
     "  version INTEGER NOT NULL,"
     "  state TEXT NOT NULL,"
     "  created_ns INTEGER NOT NULL,"
     "  updated_ns INTEGER NOT NULL,"
     "  body TEXT NOT NULL"
     ");"
     "CREATE INDEX reviews_by_update ON reviews (updated_ns);"},
    // Review notifications not yet delivered to the webhook, so a restart sends them still.
    {4,
     "CREATE TABLE webhook_outbox ("
     "  id INTEGER PRIMARY KEY,"  // queue order
     "  event TEXT NOT NULL,"
     "  body TEXT NOT NULL,"
     "  created_ns INTEGER NOT NULL"
     ");"},
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must equal the number of migrations");

Result<int> read_version(Database& db) {
  auto q = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!q.ok()) return q.status();
  if (q->step() != SQLITE_ROW) return db.error("cannot read schema version");
  return static_cast<int>(q->column_int64(0));
}

Status apply_missing(Database& db) {
  if (Status s = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                         "  version INTEGER PRIMARY KEY,"
                         "  applied_at INTEGER NOT NULL)");
      !s.ok()) {
    return s;
  }
  auto current = read_version(db);
  if (!current.ok()) return current.status();
  if (*current > kSqliteSchemaVersion) {
    return Status::Invalid("state store " + db.path() + " has schema version " +
                           std::to_string(*current) + ", newer than this gatehouse knows (" +
                           std::to_string(kSqliteSchemaVersion) + "); upgrade gatehouse");
  }
  auto record = db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)");
  if (!record.ok()) return record.status();
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (Status s = db.exec(m.sql); !s.ok()) return s;
    StatementReset reset(*record);
    record->bind(1, static_cast<int64_t>(m.version));
    record->bind(2, static_cast<int64_t>(std::time(nullptr)));
    if (record->step() != SQLITE_DONE) return db.error("cannot record schema version");
  }
  return Status::Ok();
}

}  // namespace

Status migrate_sqlite_schema(Database& db) {
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status s = apply_missing(db);
  if (!s.ok()) {
    db.exec("ROLLBACK");
    return s;
  }
  return db.exec("COMMIT");
}

Result<int> sqlite_schema_version(Database& db) { return read_version(db); }

}  // namespace gh::store
