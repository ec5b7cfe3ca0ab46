#pragma once

// What the policy says about one message (one simple Query, or one Parse/Execute): the
// enforced action, the rule that decided it, and every rule that matched on the way.

#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/rule.h"
#include "sql/statement_facts.h"

namespace gh::policy {

// One rule that matched one statement of the message.
struct RuleMatch {
  const Rule* rule = nullptr;
  uint32_t statement = 0;  // index of the top-level statement in the message
  // Where the statement that matched sits: kTopLevel for the statement itself, else why it is
  // nested (a CTE, EXPLAIN ANALYZE's statement, PREPARE's statement, ...).
  sql::NestedOrigin origin = sql::NestedOrigin::kTopLevel;
  bool via_execute = false;  // matched the statement an EXECUTE runs

  bool enforced() const { return rule->mode == Mode::kEnforce; }
  // "block", "review", "allow", or for dry-run rules "would block", "would review", ...
  std::string_view label() const;
};

struct Decision {
  Action action = Action::kAllow;  // enforced: what happens to the message
  Action would = Action::kAllow;   // counting dry-run rules too (for the record)
  // The enforced rule that decided (the most severe; the first in policy order among equals);
  // null when no enforced rule matched. Points into the Policy, which must outlive this.
  const Rule* rule = nullptr;
  uint32_t statement = 0;  // the top-level statement `rule` matched
  // Every rule that matched, once per top-level statement (its first match there), by
  // statement, then in policy order.
  std::vector<RuleMatch> matched;
  // Bit i: statement i has a rule whose other conditions matched but whose cost condition
  // could not be judged for lack of an estimate (the rule did not match).
  uint64_t estimates_missing = 0;

  bool allowed() const { return action == Action::kAllow; }
  // The deciding rule's message ("" when no enforced rule matched).
  std::string_view message() const { return rule ? std::string_view(rule->message) : ""; }
};

}  // namespace gh::policy
