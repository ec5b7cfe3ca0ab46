#include "policy/plan_estimate.h"

#include <simdjson.h>

#include <algorithm>

namespace gh::policy {

namespace {

bool number(simdjson::dom::object node, const char* key, double& out) {
  simdjson::dom::element e;
  if (node[key].get(e) != simdjson::SUCCESS) return false;
  if (e.is_double()) return e.get_double().get(out) == simdjson::SUCCESS;
  int64_t i = 0;
  if (e.get_int64().get(i) != simdjson::SUCCESS) return false;
  out = static_cast<double>(i);
  return true;
}

}  // namespace

std::optional<CostEstimate> parse_explain_json(std::string_view json) {
  // EXPLAIN output is small and rare (only for statements a cost rule waits on): a parser per
  // call keeps this free of per-thread state.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::array top;
  simdjson::dom::object plan;
  if (doc.get_array().get(top) != simdjson::SUCCESS || top.size() == 0) return std::nullopt;
  if (top.at(0)["Plan"].get_object().get(plan) != simdjson::SUCCESS) return std::nullopt;
  CostEstimate e;
  if (!number(plan, "Total Cost", e.total_cost) || !number(plan, "Plan Rows", e.rows))
    return std::nullopt;
  std::string_view node_type;
  if (plan["Node Type"].get_string().get(node_type) == simdjson::SUCCESS &&
      node_type == "ModifyTable") {
    simdjson::dom::array children;
    simdjson::dom::object child;
    double rows = 0;
    if (plan["Plans"].get_array().get(children) == simdjson::SUCCESS && children.size() > 0 &&
        children.at(0).get_object().get(child) == simdjson::SUCCESS &&
        number(child, "Plan Rows", rows)) {
      e.rows = std::max(e.rows, rows);
    }
  }
  return e;
}

}  // namespace gh::policy
