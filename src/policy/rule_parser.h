#pragma once

// YAML -> Rule. Problems are reported to the YamlReader of the file the rules are in, as
// `file:line: problem`, and a rule with problems is left out.
//
// A rule:
//   - name: delete-needs-where          # unique in the policy
//     match: { statement: [delete, update], where: unfiltered }
//     action: block                     # allow | review | block
//     message: "..."                    # optional
//     mode: enforce                     # enforce | dry-run
//     groups: [..]  principals: [..]  connections: [..]   # optional scope
//     approvers: [..]                   # review only: groups that may approve
// The conditions are listed in match_parser.cpp and docs/guardrails.md.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "config/yaml_reader.h"
#include "policy/rule.h"

namespace gh::policy {

// Values a pack's rules read as `$name` in cost conditions (`estimated_rows: "> $bulk_read_rows"`).
using RuleParameters = std::map<std::string, double, std::less<>>;

struct RuleSource {
  config::YamlReader* reader = nullptr;  // the file; problems go here
  std::string pack;                      // the built-in pack's name; empty for files
  const RuleParameters* parameters = nullptr;
};

// Parses a `rules:` list (`node`, named `path` in messages, written on `line`) into `out`.
void parse_rules(const YAML::Node& node, const std::string& path, int line,
                 const RuleSource& source, std::vector<Rule>& out);

// The conditions of a `match:` mapping. False if any was invalid (reported).
bool parse_match(const config::Entry& e, const RuleSource& source, Match& out);

// A rule name: letters, digits and - _ . / (packs name theirs "agent-safe/...").
bool is_rule_name(std::string_view s);

}  // namespace gh::policy
