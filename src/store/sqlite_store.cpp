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
#include <mutex>

#include "store/api_key_format.h"
#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
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

 private:
  static ApiKey read_key(const Statement& row);

  std::mutex mu_;
  Database db_;  // declared before the statements, so it outlives them
  Statement insert_key_;
  Statement key_by_hash_;
  Statement all_keys_;
  Statement revoke_key_;
  Statement key_exists_;
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

}  // namespace

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
