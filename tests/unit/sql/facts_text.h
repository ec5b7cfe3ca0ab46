#pragma once

// A compact one-line rendering of StatementFacts for assertions and failure messages:
//   delete write=[t] where=yes,trivial
// Only facts that differ from their defaults are printed.

#include <string>
#include <vector>

#include "sql/statement_facts.h"

namespace gh::sql::testing {

inline std::string names_text(const std::vector<QualifiedName>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ",";
    out += names[i].text();
  }
  return out + "]";
}

inline std::string facts_text(const StatementFacts& f) {
  std::string out(to_string(f.kind));
  auto add = [&](const std::string& s) { out += " " + s; };
  if (f.origin != NestedOrigin::kTopLevel) add("origin=" + std::string(to_string(f.origin)));
  if (!f.executes) add("not_executed");
  if (!f.relations_read.empty()) add("read=" + names_text(f.relations_read));
  if (!f.relations_written.empty()) add("write=" + names_text(f.relations_written));
  if (!f.functions.empty()) add("fn=" + names_text(f.functions));
  if (f.filter.has_where) add(f.filter.where_trivially_true ? "where=trivial" : "where=yes");
  if (f.select_star) add("star");
  if (f.has_limit) add("limit=" + (f.limit ? std::to_string(*f.limit) : std::string("expr")));
  if (f.select_into) add("select_into");
  if (f.create_table_as) add("create_table_as");
  if (f.explain_analyze) add("analyze");
  if (f.lock_mode) add("lock_mode=" + std::to_string(f.lock_mode));
  if (f.transaction != TransactionVerb::kNone) add(std::string(to_string(f.transaction)));
  if (!f.name.empty()) add("name=" + f.name);
  if (!f.payload.empty()) add("payload=" + f.payload);
  if (f.all) add("all");
  if (f.ddl.verb != DdlVerb::kNone) {
    add(std::string(to_string(f.ddl.verb)) + ":" + std::string(to_string(f.ddl.object)));
  }
  if (!f.ddl.objects.empty()) add("objects=" + names_text(f.ddl.objects));
  if (!f.ddl.grantees.empty()) {
    std::string g;
    for (const auto& s : f.ddl.grantees) g += (g.empty() ? "" : ",") + s;
    add("grantees=[" + g + "]");
  }
  if (f.ddl.temporary) add("temporary");
  if (f.ddl.or_replace) add("or_replace");
  if (f.ddl.cascade) add("cascade");
  if (f.copy.direction != CopyDirection::kNone) {
    add("copy=" + std::string(to_string(f.copy.direction)) + ":" +
        std::string(to_string(f.copy.endpoint)) +
        (f.copy.target.empty() ? "" : ":" + f.copy.target) + (f.copy.has_query ? ":query" : ""));
  }
  if (!f.routine.language.empty()) add("language=" + f.routine.language);
  if (f.routine.is_procedure) add("procedure");
  if (f.routine.security_definer) add("security_definer");
  if (f.setting.action != SettingAction::kNone) {
    add("setting=" + std::string(to_string(f.setting.action)) + ":" + f.setting.name +
        (f.setting.target != SettingTarget::kOther
             ? "(" + std::string(to_string(f.setting.target)) + ")"
             : "") +
        (f.setting.value.empty() ? "" : "=" + f.setting.value) +
        (f.setting.is_local ? ":local" : ""));
  }
  if (f.error.reason != UnparseableReason::kNone) {
    add("error=" + std::string(to_string(f.error.reason)) + "@" +
        std::to_string(f.error.cursor_position) + ":" + f.error.message);
  }
  if (!f.other_node.empty()) add("node=" + f.other_node);
  for (const auto& n : f.nested) add("{" + facts_text(n) + "}");
  return out;
}

// Output-column lineage, one entry per column: `name=kind[sources]`, kind one of direct,
// derived, star, opaque; a source is relation.column or relation.* (whole row); then the star's
// exceptions and the functions the value goes through. "(incomplete)" when lineage_complete is
// false. Nested statements' lineage follows in braces; "" when no statement has lineage.
//   x=direct[customers.ssn]; upper=derived[customers.name] fn[upper]
inline std::string lineage_text(const StatementFacts& f) {
  std::string out;
  if (f.has_lineage) {
    for (const auto& c : f.output_columns) {
      if (!out.empty()) out += "; ";
      out += c.name + "=";
      out += c.opaque ? "opaque" : c.star ? "star" : c.direct ? "direct" : "derived";
      out += "[";
      for (size_t i = 0; i < c.sources.size(); ++i) {
        if (i) out += ",";
        out += c.sources[i].relation.text() + "." +
               (c.sources[i].column.empty() ? std::string("*") : c.sources[i].column);
      }
      out += "]";
      if (!c.star_except.empty()) {
        std::string e;
        for (const auto& s : c.star_except) e += (e.empty() ? "" : ",") + s;
        out += " except[" + e + "]";
      }
      if (!c.functions.empty()) {
        std::string names = names_text(c.functions);
        out += " fn" + names;
      }
    }
    if (f.output_columns.empty()) out += "(no columns)";
    if (!f.lineage_complete) out += " (incomplete)";
  }
  for (const auto& n : f.nested) {
    std::string inner = lineage_text(n);
    if (!inner.empty()) out += (out.empty() ? "{" : " {") + inner + "}";
  }
  return out;
}

inline std::string lineage_text(const AnalyzedSql& a) {
  std::string out;
  for (size_t i = 0; i < a.statements.size(); ++i) {
    if (i) out += " | ";
    out += lineage_text(a.statements[i]);
  }
  return out;
}

inline std::string facts_text(const AnalyzedSql& a) {
  std::string out;
  for (const auto& s : a.statements) out += (out.empty() ? "" : " | ") + facts_text(s);
  return out;
}

}  // namespace gh::sql::testing
