#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace gh::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void Statement::bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::bind(int index, std::optional<int64_t> value) {
  if (value) {
    sqlite3_bind_int64(stmt_, index, *value);
  } else {
    sqlite3_bind_null(stmt_, index);
  }
}

int Statement::step() { return sqlite3_step(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, index))};
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::optional<int64_t> Statement::column_optional_int64(int index) const {
  if (sqlite3_column_type(stmt_, index) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, index);
}

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);  // closes even a handle whose open failed
  db.path_ = path;
  if (rc != SQLITE_OK) return db.error("cannot open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // journal_mode answers with the mode in effect, which may differ from the one asked for
  // (a read-only or in-memory database cannot use WAL).
  auto mode = db.prepare("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.status();
  if (mode->step() != SQLITE_ROW) return db.error("cannot enable WAL mode");
  if (std::string m = mode->column_text(0); m != "wal") {
    return Status::Io("state store " + path + ": cannot enable WAL mode (journal mode is " + m +
                      ")");
  }
  mode->reset();
  // In WAL mode NORMAL is durable across application crashes; a power loss may drop the last
  // transactions but never corrupts the database.
  if (Status s = db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !s.ok()) return s;
  return db;
}

Status Database::exec(const char* sql) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return error("cannot execute statement");
  }
  return Status::Ok();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return error("cannot prepare statement");
  }
  return Statement(stmt);
}

Status Database::error(std::string_view what) const {
  const char* msg = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
  return Status::Io("state store " + path_ + ": " + std::string(what) + ": " + msg);
}

int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }

}  // namespace gh::store
