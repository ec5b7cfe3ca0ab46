#pragma once

// The built-in rule packs, compiled into the binary: `include: [agent-safe]`.

#include <string>
#include <string_view>
#include <vector>

#include "policy/rule_parser.h"

namespace gh::policy {

struct RulePack {
  std::string_view name;
  std::string_view yaml;      // a mapping with `rules:`, like an included file
  RuleParameters parameters;  // defaults of the `$name` values its rules read
  std::string_view description;
};

// The packs by name, or null.
const RulePack* find_rule_pack(std::string_view name);
std::vector<std::string_view> rule_pack_names();

}  // namespace gh::policy
