#pragma once

// The per-statement hook interface. The relay calls these as it matches each
// response to the request that caused it; later features (audit, guardrails,
// masking, review) plug in here. A "statement" is one simple Query message or one
// extended-protocol Execute.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pg/protocol/messages.h"

namespace gh::pg {

enum class Protocol : uint8_t { kSimple, kExtended };

// The planner's estimate for one statement, from EXPLAIN (FORMAT JSON) run by the session on
// its own server connection when a hook asked for it (Verdict::estimates_needed).
struct PlanEstimate {
  bool ok = false;
  double rows = 0;
  double total_cost = 0;
  // When !ok: why (the server's error for the EXPLAIN, or an unreadable result). Both view
  // NUL-terminated strings the session keeps until the statement is decided.
  std::string_view sqlstate;
  std::string_view error;
};

struct StatementStart {
  uint64_t id = 0;  // per-session sequence, from 1
  Protocol protocol = Protocol::kSimple;
  std::string_view sql;
  std::string_view statement_name;  // extended: the prepared statement ("" = unnamed)
  std::string_view portal_name;     // extended: the portal executed
  // Extended: the Bind that created the portal, when the hooks asked for parameters
  // (wants_parameters); its views live until on_statement returns.
  const BindMessage* bind = nullptr;
  uint32_t max_rows = 0;  // Execute row limit (0 = all)
  // Extended protocol: the statement is being judged at its Parse (`id` is the id it gets if
  // refused there; an allowed Parse is recorded at each Execute, with `prejudged` set: the
  // statement keeps the decision it got at Parse).
  bool at_parse = false;
  bool prejudged = false;
  // Inside a HookChain: the verdict of the hooks before this one (null = allowed with no
  // rule matched so far), so that a recording hook sees what was decided.
  const struct Verdict* prior = nullptr;
  // When the hooks asked for estimates first (Verdict::estimates_needed): one per statement
  // they named, in the same order. Empty otherwise.
  std::span<const PlanEstimate> estimates;
};

// One result of a statement: a simple Query with several statements has several.
struct ResultSummary {
  uint64_t rows = 0;
  uint64_t bytes = 0;            // DataRow/CopyData bytes sent to the client
  std::string_view command_tag;  // CommandComplete tag; "" otherwise
  std::string_view sqlstate;     // set on error
  std::string_view error_message;
  int64_t duration_ns = 0;  // from the request to this result
  bool suspended = false;   // Execute stopped at its row limit
  bool empty_query = false;
  // Masking: the masked columns and values masked per rule, a JSON array for the record;
  // empty when nothing was masked.
  std::string_view masked;
};

// What a hook says about a statement before it is forwarded. A refusal is answered by
// the gateway itself with an ErrorResponse carrying `sqlstate` and `message`; the
// statement never reaches the server.
struct Verdict {
  bool allow = true;
  const char* sqlstate = nullptr;
  std::string message;
  // For the record: "block" or "review" when refused by policy (null: "block"), and the
  // guardrail rules that matched, "name:label,..." (also for an allowed statement that
  // matched dry-run rules).
  const char* decision = nullptr;
  std::string rules;
  // For the record: the planner's estimates the decision used ("rows=… cost=…"), if any.
  std::string estimate;
  // Not a decision yet: the hook needs the planner's estimate for these top-level statements
  // of the message (their texts, views into StatementStart::sql). The session EXPLAINs them on
  // its server connection and asks again with StatementStart::estimates; later hooks are not
  // asked until then.
  std::vector<std::string_view> estimates_needed;
  // At a Parse: allowed for now, but judged again at every Execute, with the bound values (a
  // review ticket names the statement's parameters).
  bool judge_at_execute = false;
  // Not a decision yet: the statement waits for review request `hold_review` (review.mode:
  // hold). The session holds it and everything after it, tells the client, and offers it
  // again once the request is decided; later hooks are not asked until then.
  std::string hold_review;
  // Not a decision yet: an approver approved this statement with an edit (simple protocol
  // only). The session offers `run_sql` to the hooks in its place, as a statement of its own,
  // and sends it instead if they allow it; later hooks are not asked about the original.
  std::string run_sql;

  static Verdict Allow() { return {}; }
  static Verdict Refuse(const char* sqlstate, std::string message) {
    Verdict v;
    v.allow = false;
    v.sqlstate = sqlstate;
    v.message = std::move(message);
    return v;
  }
};

class StatementHooks {
 public:
  virtual ~StatementHooks() = default;

  // Called before the statement is forwarded (and before later statements of the same
  // client batch are looked at).
  virtual Verdict on_statement(const StatementStart& s) { return Verdict::Allow(); }
  // A RowDescription for statement `id`'s current result (only with wants_columns).
  virtual void on_columns(uint64_t id, const std::vector<ColumnDescription>& columns) {}
  // A DataRow body (only with wants_rows).
  virtual void on_row(uint64_t id, std::string_view data_row_body) {}
  virtual void on_result(uint64_t id, const ResultSummary& r) {}
  // The statement is finished (its last result was delivered, or it was skipped after
  // an earlier error in the same pipeline: then `skipped` is true).
  virtual void on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) {}
  // The client closed its named protocol-level statement `name` (a Close message).
  virtual void on_statement_closed(std::string_view name) {}

  bool wants_parameters = false;
  bool wants_columns = false;
  bool wants_rows = false;
  // on_statement is also called at each Parse (with at_parse set).
  bool judges_parse = false;
};

// Several hooks as one: each sees every call, in order; the first refusal wins, and
// hooks after it still see the statement (so it is recorded) with `refused` set.
class HookChain final : public StatementHooks {
 public:
  void add(std::unique_ptr<StatementHooks> h) {
    wants_parameters |= h->wants_parameters;
    wants_columns |= h->wants_columns;
    wants_rows |= h->wants_rows;
    judges_parse |= h->judges_parse;
    hooks_.push_back(std::move(h));
  }
  bool empty() const { return hooks_.empty(); }

  Verdict on_statement(const StatementStart& s) override {
    Verdict v;
    StatementStart each = s;
    for (auto& h : hooks_) {
      each.prior = v.allow && v.rules.empty() && v.estimate.empty() ? nullptr : &v;
      Verdict hv = h->on_statement(each);
      if (!hv.estimates_needed.empty()) {
        if (v.allow) return hv;       // the statement is offered again once they are known
        hv.estimates_needed.clear();  // refused already: no estimate changes that
      }
      if (!hv.hold_review.empty()) return hv;  // offered again once the review is decided
      if (!hv.run_sql.empty()) return hv;      // the edit is offered in its place
      if (v.allow && (!hv.allow || !hv.rules.empty() || !hv.estimate.empty())) v = std::move(hv);
    }
    return v;
  }
  void on_columns(uint64_t id, const std::vector<ColumnDescription>& c) override {
    for (auto& h : hooks_)
      if (h->wants_columns) h->on_columns(id, c);
  }
  void on_row(uint64_t id, std::string_view row) override {
    for (auto& h : hooks_)
      if (h->wants_rows) h->on_row(id, row);
  }
  void on_result(uint64_t id, const ResultSummary& r) override {
    for (auto& h : hooks_) h->on_result(id, r);
  }
  void on_end(uint64_t id, std::chrono::nanoseconds d, bool skipped) override {
    for (auto& h : hooks_) h->on_end(id, d, skipped);
  }
  void on_statement_closed(std::string_view name) override {
    for (auto& h : hooks_) h->on_statement_closed(name);
  }

 private:
  std::vector<std::unique_ptr<StatementHooks>> hooks_;
};

}  // namespace gh::pg
