#pragma once

// The compiled guardrails policy and its evaluation: statement facts + subject -> Decision.
//
//   auto policy = policy::load_policy(cfg);             // load.h; at startup and on SIGHUP
//   uint64_t need = policy->estimates_needed(stmts, subject, &prepared);
//   // for each bit i: EXPLAIN (FORMAT JSON) statement i -> estimates[i]
//   Decision d = policy->decide(stmts, subject, {estimates, &prepared});
//   if (d.allowed()) { forward; prepared.apply(stmts); }
//
// Semantics:
// - Every statement of the message is judged, and every statement nested in it: DML in CTEs,
//   EXPLAIN's statement, PREPARE's statement, COPY's query, rule actions, BEGIN ATOMIC bodies,
//   CREATE SCHEMA elements, and the prepared statement an EXECUTE runs. This includes the
//   statement under a plain EXPLAIN, which does not run: explaining a statement an agent may
//   not run is refused as well, which costs little and keeps rules simple. A rule that should
//   only see statements that run says `executes: true` (the agent-safe bulk-read rules do).
// - The most severe matching enforced action wins (block > review > allow); no match = allow.
// - Cost conditions (`estimated_rows`, `estimated_cost`) need the planner's estimate of the
//   top-level statement. Without one the condition does not hold (the rule does not match)
//   and Decision::estimates_missing says so: estimates_needed() tells the caller which
//   statements to EXPLAIN first.
//
// A Policy is immutable once built and shared between io threads (shared_ptr<const Policy>).
// decide() takes no locks and allocates only the Decision's matched list, when a rule matched.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "policy/decision.h"
#include "policy/prepared_statements.h"
#include "policy/rule.h"
#include "policy/subject.h"
#include "sql/statement_facts.h"

namespace gh::policy {

// The planner's estimate for one top-level statement (EXPLAIN (FORMAT JSON): the top plan
// node's "Plan Rows" and "Total Cost").
struct CostEstimate {
  double rows = 0;
  double total_cost = 0;
};

// What the session's masking knows: whether a statement copies data out of masked columns to
// where it is no longer masked (a table, a server file). Implemented by the session's masking
// hook, which has the catalog.
class MaskedData {
 public:
  virtual ~MaskedData() = default;
  virtual bool copies_masked_data(const sql::StatementFacts& f) const = 0;
};

struct DecideContext {
  // By top-level statement index; a missing or nullopt entry is "no estimate".
  std::span<const std::optional<CostEstimate>> estimates;
  // The session's SQL-level prepared statements, to judge `EXECUTE name` by what it runs.
  // PREPAREs earlier in the same message are found without it.
  const PreparedStatements* prepared = nullptr;
  // Masking for this session (null: none applies, so nothing copies masked data).
  const MaskedData* masked = nullptr;
};

class Policy {
 public:
  // Builds the indexes. `search_path`: the schemas an unqualified name is assumed to resolve
  // to besides pg_catalog (see name_pattern.h).
  Policy(std::vector<Rule> rules, std::vector<std::string> search_path,
         std::vector<std::string> sources);
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  Decision decide(const std::vector<sql::StatementFacts>& message, const Subject& subject,
                  const DecideContext& context = {}) const;

  // Phase one of a cost-aware decision. Bit i set: top-level statement i needs a cost
  // estimate before decide() can judge it fully (an enforced or dry-run review/block rule with
  // a cost condition matches it otherwise). Zero when the message is blocked anyway, and for
  // statements that cannot be EXPLAINed (only SELECT, INSERT, UPDATE, DELETE, MERGE, EXECUTE,
  // CREATE TABLE AS and SELECT INTO can) or whose index is 64 or more.
  uint64_t estimates_needed(const std::vector<sql::StatementFacts>& message, const Subject& subject,
                            const PreparedStatements* prepared = nullptr) const;
  bool needs_estimate(const std::vector<sql::StatementFacts>& message, const Subject& subject,
                      const PreparedStatements* prepared = nullptr) const {
    return estimates_needed(message, subject, prepared) != 0;
  }

  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* find_rule(std::string_view name) const;
  const std::vector<std::string>& search_path() const { return search_path_; }
  // What the policy was built from: "gatehouse.yaml", "rules/extra.yaml", "agent-safe".
  const std::vector<std::string>& sources() const { return sources_; }
  // Whether any rule has a cost condition (if not, never call estimates_needed()).
  bool has_cost_rules() const { return has_cost_rules_; }

  // The rules whose `statement:` condition admits `kind`, as indexes into rules(), in order.
  std::span<const uint32_t> rules_for(sql::StatementKind kind) const {
    return rules_by_kind_[static_cast<size_t>(kind)];
  }

  // A statement kind that can be EXPLAINed, and so given an estimate.
  static bool explainable(const sql::StatementFacts& top_level);

 private:
  std::vector<Rule> rules_;
  std::vector<std::string> search_path_;
  std::vector<std::string> sources_;
  // Per statement kind, the rules whose `statement:` condition admits it, in policy order.
  std::vector<std::vector<uint32_t>> rules_by_kind_;
  bool has_cost_rules_ = false;
};

}  // namespace gh::policy
