#pragma once

// A compiled guardrail rule: who it applies to (scope), which statements it matches
// (conditions over sql::StatementFacts) and what it does (allow, review, block).
// rule_parser.h builds rules from YAML; policy.h judges statements with them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "policy/name_pattern.h"
#include "policy/subject.h"
#include "sql/statement_facts.h"

namespace gh::policy {

// Ordered by severity: the most severe matching action wins.
enum class Action : uint8_t { kAllow, kReview, kBlock };
// A dry-run rule is evaluated and reported ("would block") but never decides.
enum class Mode : uint8_t { kEnforce, kDryRun };

std::string_view to_string(Action a);  // "allow", "review", "block"
std::string_view to_string(Mode m);    // "enforce", "dry-run"

// `estimated_rows: "> 100000"`: compared with the planner's estimate for the statement.
struct CostBound {
  enum class Op : uint8_t { kGreater, kGreaterEqual, kLess, kLessEqual };
  Op op = Op::kGreater;
  double value = 0;

  bool holds(double estimate) const;
  std::string text() const;  // "> 100000"
};

// The state of a statement's filter, for `where:` conditions.
enum WhereBits : uint8_t {
  kWhereAbsent = 1,    // no WHERE
  kWhereTrivial = 2,   // a WHERE that holds for every row (`true`, `1=1`, ...)
  kWhereFiltering = 4  // a real filter
};

// NestedOrigin values as bits, plus one for a statement judged through its EXECUTE.
inline constexpr uint16_t kOriginExecuted = uint16_t{1} << 15;

// The conditions of one rule, all of which must hold (AND). A list within a condition
// matches if any of its entries does (OR). Enumerations are bit sets (bit i = enum value i);
// zero, an empty set or nullopt means "no condition".
struct Match {
  uint64_t kinds = 0;    // StatementKind
  uint8_t verbs = 0;     // DdlVerb
  uint64_t objects = 0;  // ObjectType
  uint16_t transactions = 0;
  uint8_t setting_actions = 0;
  uint8_t copy_directions = 0;
  uint8_t copy_endpoints = 0;
  uint16_t origins = 0;     // NestedOrigin, kOriginExecuted
  uint8_t unparseable = 0;  // UnparseableReason
  uint8_t where = 0;        // WhereBits

  NameSet relations;  // read or written
  NameSet relations_read;
  NameSet relations_written;
  NameSet functions;
  NameSet object_names;  // DdlFacts::objects
  // Some relation read matches none of these (`reads_other_than: [pg_*]`: reads a table that
  // is not a system catalog).
  NameSet reads_other_than;
  WordSet names;      // prepared statement, cursor, channel, savepoint
  WordSet settings;   // setting name, or its target ("role", "search_path")
  WordSet languages;  // DO / CREATE FUNCTION language

  std::optional<bool> limit;  // true: has a LIMIT; false: none
  std::optional<bool> select_star;
  std::optional<bool> nested_dml;  // a data-modifying statement in a CTE
  std::optional<bool> explain_analyze;
  std::optional<bool> select_into;
  std::optional<bool> create_table_as;
  std::optional<bool> temporary;
  std::optional<bool> cascade;
  std::optional<bool> or_replace;
  std::optional<bool> security_definer;
  std::optional<bool> executes;  // the statement runs (false under plain EXPLAIN, PREPARE, ...)
  std::optional<bool> unknown_prepared;  // EXECUTE of a name no PREPARE was seen for
  // The statement copies data out of masked columns into a table or file (DecideContext::masked).
  std::optional<bool> copies_masked_data;

  std::optional<CostBound> estimated_rows;
  std::optional<CostBound> estimated_cost;

  bool needs_estimate() const { return estimated_rows.has_value() || estimated_cost.has_value(); }
};

// Who a rule applies to. Empty lists do not restrict. groups and principals together name
// who (a member of any group, or any principal); connections restricts where.
struct Scope {
  std::vector<std::string> groups;
  std::vector<std::string> principals;  // API key names / token subjects
  std::vector<std::string> connections;

  bool applies(const Subject& subject) const;
  bool empty() const { return groups.empty() && principals.empty() && connections.empty(); }
};

struct Rule {
  std::string name;
  Action action = Action::kAllow;
  Mode mode = Mode::kEnforce;
  std::string message;  // never empty: a default is filled in when the rule sets none
  std::vector<std::string> approvers;  // review: groups that may approve
  int min_approvals = 1;               // review: distinct approvers needed
  Scope scope;
  Match match;
  // Where the rule was written: the config or an included file, or "agent-safe" (a pack).
  config::SourceLocation where;
  std::string pack;  // the built-in pack it came from; empty for rules from files
};

}  // namespace gh::policy
