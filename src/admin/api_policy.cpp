// GET /api/v1/policy: the guardrail rules in force, where each came from, and the hash of
// the config file they were loaded from.

#include <nlohmann/json.hpp>

#include "admin/router.h"

namespace gh::admin {

namespace {

using Json = nlohmann::ordered_json;

Json string_list(const std::vector<std::string>& v) {
  Json out = Json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

Json rule_json(const policy::Rule& r) {
  Json j = Json::object();
  j["name"] = r.name;
  j["action"] = policy::to_string(r.action);
  j["mode"] = policy::to_string(r.mode);
  j["message"] = r.message;
  if (r.action == policy::Action::kReview) j["approvers"] = string_list(r.approvers);
  j["scope"] = {{"groups", string_list(r.scope.groups)},
                {"principals", string_list(r.scope.principals)},
                {"connections", string_list(r.scope.connections)}};
  if (!r.pack.empty()) {
    j["source"] = r.pack;
  } else {
    j["source"] = r.where.line > 0 ? r.where.file + ":" + std::to_string(r.where.line)
                                   : r.where.file;
  }
  return j;
}

}  // namespace

HttpResponse Router::get_policy() const {
  PolicyInForce in_force = deps_.policy ? deps_.policy() : PolicyInForce{};
  Json out = Json::object();
  out["config_hash"] = in_force.config_hash;
  out["sources"] = Json::array();
  out["rules"] = Json::array();
  if (in_force.policy) {
    out["sources"] = string_list(in_force.policy->sources());
    for (const auto& r : in_force.policy->rules()) out["rules"].push_back(rule_json(r));
  }
  HttpResponse res;
  res.body = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return res;
}

}  // namespace gh::admin
