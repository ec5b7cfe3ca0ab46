#include "policy/explain.h"

#include <cstdio>

#include "common/json_writer.h"
#include "common/text.h"

namespace gh::policy {

namespace {

using sql::StatementFacts;

std::string names(const std::vector<sql::QualifiedName>& list) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : ",") + n.text();
  return out;
}

// Calls out(key, value) for every fact that differs from its default, in a stable order;
// name lists go to list(key, names).
template <typename Out, typename List>
void visit_facts(const StatementFacts& f, Out&& out, List&& list) {
  if (!f.executes) out("executes", "no");
  if (!f.relations_read.empty()) list("reads", f.relations_read);
  if (!f.relations_written.empty()) list("writes", f.relations_written);
  if (!f.functions.empty()) list("functions", f.functions);
  const bool filters =
      f.kind == sql::StatementKind::kSelect || f.kind == sql::StatementKind::kUpdate ||
      f.kind == sql::StatementKind::kDelete || f.kind == sql::StatementKind::kMerge;
  if (filters) {
    out("where", !f.filter.has_where             ? "absent"
                 : f.filter.where_trivially_true ? "trivially_true"
                                                 : "present");
  }
  if (f.select_star) out("select_star", "yes");
  if (f.kind == sql::StatementKind::kSelect)
    out("limit", f.has_limit ? (f.limit ? std::to_string(*f.limit) : "expression") : "absent");
  if (f.select_into) out("select_into", "yes");
  if (f.create_table_as) out("create_table_as", "yes");
  if (f.explain_analyze) out("explain_analyze", "yes");
  if (f.lock_mode) out("lock_mode", std::to_string(f.lock_mode));
  if (f.transaction != sql::TransactionVerb::kNone)
    out("transaction", std::string(sql::to_string(f.transaction)));
  if (!f.name.empty()) out("name", f.name);
  if (f.all) out("all", "yes");
  if (f.ddl.verb != sql::DdlVerb::kNone) {
    out("verb", std::string(sql::to_string(f.ddl.verb)));
    out("object", std::string(sql::to_string(f.ddl.object)));
  }
  if (!f.ddl.objects.empty()) list("objects", f.ddl.objects);
  if (f.ddl.temporary) out("temporary", "yes");
  if (f.ddl.cascade) out("cascade", "yes");
  if (f.ddl.or_replace) out("or_replace", "yes");
  if (f.copy.direction != sql::CopyDirection::kNone) {
    out("copy_direction", std::string(sql::to_string(f.copy.direction)));
    out("copy_endpoint", std::string(sql::to_string(f.copy.endpoint)));
    if (!f.copy.target.empty()) out("copy_target", f.copy.target);
  }
  if (!f.routine.language.empty()) out("language", f.routine.language);
  if (f.routine.security_definer) out("security_definer", "yes");
  if (f.setting.action != sql::SettingAction::kNone) {
    out("setting", f.setting.name);
    out("setting_action", std::string(sql::to_string(f.setting.action)));
    if (!f.setting.value.empty()) out("setting_value", f.setting.value);
  }
  if (f.error.reason != sql::UnparseableReason::kNone) {
    out("unparseable", std::string(sql::to_string(f.error.reason)));
    if (!f.error.message.empty()) out("error", f.error.message);
  }
  if (!f.other_node.empty()) out("node", f.other_node);
}

void facts_json(JsonWriter& w, const StatementFacts& f) {
  w.begin_object();
  w.field("kind", sql::to_string(f.kind));
  if (f.origin != sql::NestedOrigin::kTopLevel) w.field("origin", sql::to_string(f.origin));
  visit_facts(
      f, [&](std::string_view k, const std::string& v) { w.field(k, v); },
      [&](std::string_view k, const std::vector<sql::QualifiedName>& list) {
        w.key(k).begin_array();
        for (const auto& n : list) w.value(n.text());
        w.end_array();
      });
  if (!f.nested.empty()) {
    w.key("nested").begin_array();
    for (const auto& n : f.nested) facts_json(w, n);
    w.end_array();
  }
  w.end_object();
}

std::string where_text(const RuleMatch& m) {
  std::string out = "statement " + std::to_string(m.statement + 1);
  if (m.via_execute) out += ", the prepared statement EXECUTE runs";
  if (m.origin != sql::NestedOrigin::kTopLevel &&
      !(m.via_execute && m.origin == sql::NestedOrigin::kPrepared))
    out += ", nested (" + std::string(sql::to_string(m.origin)) + ")";
  return out;
}

std::string_view statement_text(std::string_view sql, const StatementFacts& f) {
  if (f.text_length == 0 || f.text_offset >= sql.size()) return sql;
  std::string_view t = sql.substr(f.text_offset, f.text_length);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\n' || t.front() == '\t'))
    t.remove_prefix(1);
  return t;
}

}  // namespace

std::string facts_text(const StatementFacts& f, int indent) {
  std::string out(static_cast<size_t>(indent) * 2, ' ');
  if (f.origin != sql::NestedOrigin::kTopLevel)
    out += "[" + std::string(sql::to_string(f.origin)) + "] ";
  out += sql::to_string(f.kind);
  auto pair = [&](std::string_view k, const std::string& v) {
    out += "  ";
    out += k;
    out += '=';
    out += printable(v);
  };
  visit_facts(f, pair, [&](std::string_view k, const std::vector<sql::QualifiedName>& list) {
    pair(k, names(list));
  });
  out += '\n';
  for (const auto& n : f.nested) out += facts_text(n, indent + 1);
  return out;
}

std::string explain_text(std::string_view sql, const std::vector<StatementFacts>& message,
                         const Decision& d, const Subject& subject) {
  std::string out;
  out += "subject: ";
  out += subject.principal ? subject.principal->label() : std::string("(none)");
  if (subject.principal && !subject.principal->groups.empty()) {
    out += "  groups=";
    for (size_t i = 0; i < subject.principal->groups.size(); ++i)
      out += (i ? "," : "") + subject.principal->groups[i];
  }
  out += "  connection=" + std::string(subject.connection) + "\n\n";
  if (message.empty()) out += "no statements (an empty query)\n";
  for (size_t i = 0; i < message.size(); ++i) {
    out += "statement " + std::to_string(i + 1) + ": " +
           printable(statement_text(sql, message[i])) + "\n";
    out += facts_text(message[i], 1);
  }
  out += "\nmatched rules:";
  if (d.matched.empty()) out += " none";
  out += "\n";
  for (const RuleMatch& m : d.matched) {
    char head[64];
    std::snprintf(head, sizeof head, "  %-13s ", std::string(m.label()).c_str());
    out += head + m.rule->name + "  (" + where_text(m) + "; " + m.rule->where.file + ":" +
           std::to_string(m.rule->where.line) + ")\n";
    out += "                " + m.rule->message + "\n";
  }
  for (size_t i = 0; i < message.size() && i < 64 && d.action != Action::kBlock; ++i) {
    if ((d.estimates_missing >> i) & 1u)
      out += "note: a rule with a cost condition waits on statement " + std::to_string(i + 1) +
             "'s estimate (gatehouse serve runs EXPLAIN first; try --estimated-rows N)\n";
  }
  out += "\ndecision: " + std::string(to_string(d.action));
  if (d.rule) out += " (" + d.rule->name + "): " + d.rule->message;
  if (d.action == Action::kReview) out += " [refused until approvals are available]";
  if (d.would != d.action) out += "\n(dry-run rules would " + std::string(to_string(d.would)) + ")";
  out += "\n";
  return out;
}

std::string explain_json(std::string_view sql, const std::vector<StatementFacts>& message,
                         const Decision& d, const Subject& subject) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("subject").begin_object();
  if (subject.principal) {
    w.field("principal", subject.principal->subject);
    w.key("groups").begin_array();
    for (const auto& g : subject.principal->groups) w.value(g);
    w.end_array();
  }
  w.field("connection", subject.connection);
  w.end_object();
  w.key("statements").begin_array();
  for (const auto& s : message) {
    w.begin_object();
    w.field("text", statement_text(sql, s));
    w.key("facts");
    facts_json(w, s);
    w.end_object();
  }
  w.end_array();
  w.key("matched").begin_array();
  for (const RuleMatch& m : d.matched) {
    w.begin_object();
    w.field("rule", m.rule->name);
    w.field("action", to_string(m.rule->action));
    w.field("mode", to_string(m.rule->mode));
    w.field("label", m.label());
    w.field("statement", static_cast<uint64_t>(m.statement + 1));
    w.field("origin", m.via_execute ? std::string_view("executed") : sql::to_string(m.origin));
    w.field("message", m.rule->message);
    w.field("source", m.rule->where.file + ":" + std::to_string(m.rule->where.line));
    w.end_object();
  }
  w.end_array();
  w.key("decision").begin_object();
  w.field("action", to_string(d.action));
  w.field("would", to_string(d.would));
  if (d.rule) {
    w.field("rule", d.rule->name);
    w.field("message", d.rule->message);
    w.field("statement", static_cast<uint64_t>(d.statement + 1));
  } else {
    w.key("rule").null();
  }
  w.key("estimates_missing").begin_array();
  for (size_t i = 0; i < message.size() && i < 64; ++i)
    if ((d.estimates_missing >> i) & 1u) w.value(static_cast<uint64_t>(i + 1));
  w.end_array();
  w.end_object();
  w.end_object();
  return out;
}

}  // namespace gh::policy
