#pragma once

// The guardrails hook: every statement is analyzed (sql/, cached per io thread) and judged by
// the policy (policy/) before it is forwarded. SQL that cannot be parsed is refused (42601)
// even without rules: fail closed. A block or review refuses it with 42501 naming
// the rule; until approvals exist a review is a refusal that says approval is required.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "identity/principal.h"
#include "pg/session/statement_hooks.h"
#include "policy/policy.h"
#include "policy/prepared_statements.h"
#include "sql/analyzer.h"

namespace gh::pg {

// The policy in force, swapped by a reload; sessions pick up a new one at their next
// statement. The version check is one relaxed atomic load per statement.
class PolicyHolder {
 public:
  void set(std::shared_ptr<const policy::Policy> p);
  // `cached` is refreshed when a new policy was set since `version` was taken.
  void refresh(std::shared_ptr<const policy::Policy>& cached, uint64_t& version) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const policy::Policy> policy_;
  std::atomic<uint64_t> version_{0};
};

class Guardrails final : public StatementHooks {
 public:
  Guardrails(const PolicyHolder& holder, sql::Analyzer& analyzer,
             const identity::Principal& principal, std::string connection);

  Verdict on_statement(const StatementStart& s) override;

 private:
  const PolicyHolder& holder_;
  sql::Analyzer& analyzer_;
  const identity::Principal& principal_;
  std::string connection_;
  std::shared_ptr<const policy::Policy> policy_;
  uint64_t version_ = UINT64_MAX;
  policy::PreparedStatements prepared_;  // SQL-level PREPARE, for EXECUTE
};

}  // namespace gh::pg
