#include "policy/match.h"

#include <cstdio>

#include "policy/policy.h"

namespace gh::policy {

namespace {

using sql::StatementFacts;
using sql::StatementKind;

template <typename Bits, typename E>
bool in(Bits set, E value) {
  return set == 0 || ((set >> static_cast<unsigned>(value)) & 1u) != 0;
}

bool flag(const std::optional<bool>& want, bool actual) { return !want || *want == actual; }

bool can_filter(StatementKind k) {
  return k == StatementKind::kSelect || k == StatementKind::kUpdate ||
         k == StatementKind::kDelete || k == StatementKind::kMerge;
}

bool is_dml(StatementKind k) {
  return k == StatementKind::kInsert || k == StatementKind::kUpdate ||
         k == StatementKind::kDelete || k == StatementKind::kMerge;
}

bool has_cte_dml(const StatementFacts& f) {
  for (const auto& n : f.nested) {
    if (n.origin == sql::NestedOrigin::kCte && is_dml(n.kind)) return true;
    if (n.origin == sql::NestedOrigin::kCte && has_cte_dml(n)) return true;
  }
  return false;
}

uint8_t where_state(const StatementFacts& f) {
  if (!f.filter.has_where) return kWhereAbsent;
  return f.filter.where_trivially_true ? kWhereTrivial : kWhereFiltering;
}

bool setting_matches(const WordSet& set, const sql::SettingFacts& s) {
  if (s.action == sql::SettingAction::kNone) return false;
  if (set.matches(s.name)) return true;
  return s.target != sql::SettingTarget::kOther && set.matches(sql::to_string(s.target));
}

bool reads_other(const NameSet& set, const StatementFacts& f, SearchPath search_path) {
  for (const auto& r : f.relations_read)
    if (!set.matches(r, search_path)) return true;
  return false;
}

}  // namespace

bool CostBound::holds(double estimate) const {
  switch (op) {
    case Op::kGreater:
      return estimate > value;
    case Op::kGreaterEqual:
      return estimate >= value;
    case Op::kLess:
      return estimate < value;
    case Op::kLessEqual:
      return estimate <= value;
  }
  return false;
}

std::string CostBound::text() const {
  static constexpr const char* kOps[] = {">", ">=", "<", "<="};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %.15g", kOps[static_cast<int>(op)], value);
  return buf;
}

MatchResult evaluate(const Match& m, const JudgedStatement& s, SearchPath search_path,
                     const std::optional<CostEstimate>* estimate) {
  const StatementFacts& f = *s.facts;
  // Cheap field tests first; name lists last.
  if (!in(m.kinds, f.kind)) return MatchResult::kNo;
  if (!flag(m.executes, s.runs)) return MatchResult::kNo;
  if (!flag(m.unknown_prepared, s.unknown_prepared)) return MatchResult::kNo;
  if (m.origins != 0) {
    const bool origin_ok =
        in(m.origins, s.origin) || (s.via_execute && (m.origins & kOriginExecuted));
    if (!origin_ok) return MatchResult::kNo;
  }
  if (m.where != 0 && (!can_filter(f.kind) || (m.where & where_state(f)) == 0))
    return MatchResult::kNo;
  if (m.limit && (f.kind != StatementKind::kSelect || *m.limit != f.has_limit))
    return MatchResult::kNo;
  if (!flag(m.select_star, f.select_star)) return MatchResult::kNo;
  if (!flag(m.explain_analyze, f.explain_analyze)) return MatchResult::kNo;
  if (!flag(m.select_into, f.select_into)) return MatchResult::kNo;
  if (!flag(m.create_table_as, f.create_table_as)) return MatchResult::kNo;
  if (!flag(m.temporary, f.ddl.temporary)) return MatchResult::kNo;
  if (!flag(m.cascade, f.ddl.cascade)) return MatchResult::kNo;
  if (!flag(m.or_replace, f.ddl.or_replace)) return MatchResult::kNo;
  if (!flag(m.security_definer, f.routine.security_definer)) return MatchResult::kNo;
  if (m.verbs != 0 && (f.ddl.verb == sql::DdlVerb::kNone || !in(m.verbs, f.ddl.verb)))
    return MatchResult::kNo;
  if (m.objects != 0 && (f.ddl.object == sql::ObjectType::kNone || !in(m.objects, f.ddl.object)))
    return MatchResult::kNo;
  if (m.transactions != 0 &&
      (f.transaction == sql::TransactionVerb::kNone || !in(m.transactions, f.transaction)))
    return MatchResult::kNo;
  if (m.setting_actions != 0 &&
      (f.setting.action == sql::SettingAction::kNone || !in(m.setting_actions, f.setting.action)))
    return MatchResult::kNo;
  if (m.copy_directions != 0 &&
      (f.copy.direction == sql::CopyDirection::kNone || !in(m.copy_directions, f.copy.direction)))
    return MatchResult::kNo;
  if (m.copy_endpoints != 0 &&
      (f.copy.endpoint == sql::CopyEndpoint::kNone || !in(m.copy_endpoints, f.copy.endpoint)))
    return MatchResult::kNo;
  if (m.unparseable != 0 &&
      (f.error.reason == sql::UnparseableReason::kNone || !in(m.unparseable, f.error.reason)))
    return MatchResult::kNo;
  if (m.nested_dml && *m.nested_dml != has_cte_dml(f)) return MatchResult::kNo;

  if (!m.names.empty() && (f.name.empty() || !m.names.matches(f.name))) return MatchResult::kNo;
  if (!m.languages.empty() &&
      (f.routine.language.empty() || !m.languages.matches(f.routine.language)))
    return MatchResult::kNo;
  if (!m.settings.empty() && !setting_matches(m.settings, f.setting)) return MatchResult::kNo;
  if (!m.relations_read.empty() && !m.relations_read.matches_any(f.relations_read, search_path))
    return MatchResult::kNo;
  if (!m.relations_written.empty() &&
      !m.relations_written.matches_any(f.relations_written, search_path))
    return MatchResult::kNo;
  if (!m.relations.empty() && !m.relations.matches_any(f.relations_read, search_path) &&
      !m.relations.matches_any(f.relations_written, search_path))
    return MatchResult::kNo;
  if (!m.reads_other_than.empty() && !reads_other(m.reads_other_than, f, search_path))
    return MatchResult::kNo;
  if (!m.object_names.empty() && !m.object_names.matches_any(f.ddl.objects, search_path))
    return MatchResult::kNo;
  if (!m.functions.empty() && !m.functions.matches_any(f.functions, search_path))
    return MatchResult::kNo;

  if (m.copies_masked_data &&
      *m.copies_masked_data != (s.masked != nullptr && s.masked->copies_masked_data(f)))
    return MatchResult::kNo;

  if (!m.needs_estimate()) return MatchResult::kYes;
  if (estimate == nullptr || !estimate->has_value()) return MatchResult::kNeedsEstimate;
  if (m.estimated_rows && !m.estimated_rows->holds((*estimate)->rows)) return MatchResult::kNo;
  if (m.estimated_cost && !m.estimated_cost->holds((*estimate)->total_cost))
    return MatchResult::kNo;
  return MatchResult::kYes;
}

}  // namespace gh::policy
