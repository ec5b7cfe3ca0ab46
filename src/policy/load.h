#pragma once

// Builds a Policy from the config's `guardrails:` section:
//
//   guardrails:
//     include:                      # built-in packs and YAML files with a `rules:` list
//       - agent-safe
//       - { pack: agent-safe, mode: dry-run, except: [agent-safe/truncate],
//           bulk_read_rows: 50000 }
//       - rules/billing.yaml        # relative to the config file
//     rules: [...]                  # see rule_parser.h
//     search_path: [public]         # schemas unqualified names are assumed to be in
//
// Rule order: the section's own rules first, then each include in order; it only matters to
// pick the reported rule among equally severe matches. Every problem, in the config and in
// included files, is reported as `file:line: problem` (all of them, in one Status::Invalid).
// Called at startup and on SIGHUP; the caller swaps the shared pointer.

#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "policy/policy.h"

namespace gh::policy {

// No guardrails section gives an empty policy: every statement is allowed.
Result<std::shared_ptr<const Policy>> load_policy(const config::Config& cfg);

// The same from the text of a guardrails mapping (tests, tools): `file` names it in problems
// and include paths resolve against `base_dir`.
Result<std::shared_ptr<const Policy>> load_policy_yaml(const std::string& text,
                                                       const std::string& file,
                                                       const std::filesystem::path& base_dir);

}  // namespace gh::policy
