#include "policy/prepared_statements.h"

namespace gh::policy {

void PreparedStatements::apply(const std::vector<sql::StatementFacts>& message) {
  for (const auto& s : message) apply(s);
}

void PreparedStatements::apply(const sql::StatementFacts& s) {
  switch (s.kind) {
    case sql::StatementKind::kPrepare:
      // The analyzer puts the prepared statement in nested[0]; a PREPARE without one is not
      // something the server accepts.
      if (!s.nested.empty() && !s.name.empty())
        remember(s.name, std::make_shared<const sql::StatementFacts>(s.nested.front()));
      break;
    case sql::StatementKind::kDeallocate:
      if (s.all) {
        clear();
      } else {
        forget(s.name);
      }
      break;
    case sql::StatementKind::kDiscard:
      if (s.all) clear();  // DISCARD ALL includes DEALLOCATE ALL
      break;
    default:
      break;
  }
}

void PreparedStatements::remember(std::string name,
                                  std::shared_ptr<const sql::StatementFacts> facts) {
  if (!facts) return;
  by_name_.insert_or_assign(std::move(name), std::move(facts));
  ++generation_;
}

void PreparedStatements::forget(std::string_view name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  by_name_.erase(it);
  ++generation_;
}

const sql::StatementFacts* PreparedStatements::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

}  // namespace gh::policy
