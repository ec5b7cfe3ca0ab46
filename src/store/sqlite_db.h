#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gh::store {

// A prepared statement, kept for the life of its connection and reused. Bind, step, read
// the columns, then reset (StatementReset does it on scope exit): a statement left
// mid-result would hold a read snapshot open and stall WAL checkpoints.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool prepared() const { return stmt_ != nullptr; }

  // Parameters are 1-based, as in the SQL text (?1, ?2, ...).
  void bind(int index, std::string_view text);
  void bind(int index, int64_t value);
  void bind(int index, std::optional<int64_t> value);  // nullopt binds NULL

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();

  std::string column_text(int index) const;  // 0-based; NULL reads as ""
  int64_t column_int64(int index) const;
  std::optional<int64_t> column_optional_int64(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class StatementReset {
 public:
  explicit StatementReset(Statement& s) : s_(s) {}
  ~StatementReset() { s_.reset(); }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  Statement& s_;
};

// One SQLite connection. Not thread-safe by itself: the store serialises calls.
class Database {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with a busy timeout, so a
  // second process writing (the `keys` CLI next to a running server) waits instead of failing.
  static Result<Database> open(const std::string& path);

  Status exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // An Io status naming `what` and SQLite's latest error on this connection.
  Status error(std::string_view what) const;
  int64_t changes() const;
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

}  // namespace gh::store
