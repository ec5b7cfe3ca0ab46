#pragma once

// The planner's estimate from the output of EXPLAIN (FORMAT JSON):
//   [ { "Plan": { "Node Type": "Seq Scan", "Total Cost": 1943.0, "Plan Rows": 100000, ... } } ]
// `rows` is the top plan node's "Plan Rows". For INSERT/UPDATE/DELETE/MERGE the top node is a
// ModifyTable, whose row estimate is 0 without RETURNING; the rows it works through are its
// first child's, so that one counts. `total_cost` is the top node's "Total Cost".

#include <optional>
#include <string_view>

#include "policy/policy.h"

namespace gh::policy {

// nullopt if the text is not an EXPLAIN (FORMAT JSON) result.
std::optional<CostEstimate> parse_explain_json(std::string_view json);

}  // namespace gh::policy
