#pragma once

#include <deque>
#include <string>

#include "pg/session/statement_hooks.h"

namespace gh::pg {

// The first user of the statement hooks: one structured debug log line per
// statement, written when it ends. Installed only when the log level is debug.
class StatementLog final : public StatementHooks {
 public:
  explicit StatementLog(std::string session_id) : session_(std::move(session_id)) {}

  Verdict on_statement(const StatementStart& s) override;
  void on_result(uint64_t id, const ResultSummary& r) override;
  void on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) override;

 private:
  struct Entry {
    uint64_t id;
    Protocol protocol;
    std::string sql;
    uint32_t params = 0;
    uint64_t rows = 0;
    uint64_t bytes = 0;
    int results = 0;
    std::string tag;
    std::string sqlstate;
  };
  Entry* find(uint64_t id);
  std::string session_;
  std::deque<Entry> open_;
};

}  // namespace gh::pg
