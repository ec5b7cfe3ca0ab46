#pragma once

// Evaluation of one rule's conditions against one judged statement.

#include <optional>

#include "policy/rule.h"
#include "sql/statement_facts.h"

namespace gh::policy {

// A statement as the policy judges it: its facts plus where it sits in the message.
struct JudgedStatement {
  const sql::StatementFacts* facts = nullptr;
  uint32_t index = 0;  // top-level statement index
  sql::NestedOrigin origin = sql::NestedOrigin::kTopLevel;
  bool runs = true;               // it and every statement above it run
  bool via_execute = false;       // reached through an EXECUTE
  bool unknown_prepared = false;  // an EXECUTE whose prepared statement is unknown
  const class MaskedData* masked = nullptr;  // the session's masking, if any
};

enum class MatchResult : uint8_t {
  kNo,
  kYes,
  kNeedsEstimate,  // every other condition holds; a cost condition had no estimate
};

struct CostEstimate;

MatchResult evaluate(const Match& m, const JudgedStatement& s, SearchPath search_path,
                     const std::optional<CostEstimate>* estimate);

}  // namespace gh::policy
