// The `match:` conditions of a rule. Every fact of sql::StatementFacts has a condition; the
// names of enumerations are sql::to_string's ("delete", "drop", "program", ...).

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "policy/rule_parser.h"

namespace gh::policy {

namespace {

using config::Entry;
using config::YamlReader;

constexpr std::string_view kConditions[] = {"statement",
                                            "verb",
                                            "object",
                                            "objects",
                                            "relations",
                                            "relations_read",
                                            "relations_written",
                                            "functions",
                                            "where",
                                            "limit",
                                            "select_star",
                                            "nested_dml",
                                            "explain_analyze",
                                            "select_into",
                                            "create_table_as",
                                            "copy_direction",
                                            "copy_endpoint",
                                            "language",
                                            "security_definer",
                                            "name",
                                            "setting",
                                            "setting_action",
                                            "transaction",
                                            "temporary",
                                            "cascade",
                                            "or_replace",
                                            "origin",
                                            "executes",
                                            "unparseable",
                                            "unknown_prepared",
                                            "estimated_rows",
                                            "estimated_cost",
                                            "reads_other_than",
                                            "copies_masked_data"};

struct Item {
  std::string text;
  int line;
};

// One scalar or a non-empty list of scalars.
std::optional<std::vector<Item>> read_items(YamlReader& r, const Entry& e) {
  std::vector<Item> out;
  if (e.value.IsScalar()) {
    out.push_back({e.value.Scalar(), e.line});
  } else if (e.value.IsSequence()) {
    for (const auto& item : e.value) {
      int line = config::line_of(item, e.line);
      if (!item.IsScalar()) {
        r.problem(line, e.path + ": expected a list of values");
        return std::nullopt;
      }
      out.push_back({item.Scalar(), line});
    }
  }
  if (out.empty()) {
    r.problem(e.line, e.path + ": expected a value or a non-empty list of values");
    return std::nullopt;
  }
  // Empty entries are reported (which fails the load) and the others still checked, so that
  // one run names every problem.
  out.erase(std::remove_if(out.begin(), out.end(),
                           [&](const Item& i) {
                             if (i.text.empty()) r.problem(i.line, e.path + ": empty value");
                             return i.text.empty();
                           }),
            out.end());
  if (out.empty()) return std::nullopt;
  return out;
}

// Names of enum E's values first..last (sql::to_string), as a bit set.
template <typename E, typename Bits>
bool read_enum_bits(YamlReader& r, const Entry& e, unsigned first, unsigned last, Bits& out) {
  auto items = read_items(r, e);
  if (!items) return false;
  bool ok = true;
  for (const Item& it : *items) {
    bool found = false;
    for (unsigned v = first; v <= last && !found; ++v) {
      if (sql::to_string(static_cast<E>(v)) == it.text) {
        out = static_cast<Bits>(out | (Bits{1} << v));
        found = true;
      }
    }
    if (!found) {
      std::string valid;
      for (unsigned v = first; v <= last; ++v)
        valid += (valid.empty() ? "" : ", ") + std::string(sql::to_string(static_cast<E>(v)));
      r.problem(it.line, e.path + ": unknown value '" + it.text + "' (expected " + valid + ")");
      ok = false;
    }
  }
  return ok;
}

bool read_name_set(YamlReader& r, const Entry& e, NameSet& out) {
  auto items = read_items(r, e);
  if (!items) return false;
  bool ok = true;
  for (const Item& it : *items) {
    std::string why;
    if (auto p = NamePattern::compile(it.text, why)) {
      out.add(std::move(*p));
    } else {
      r.problem(it.line, e.path + ": bad name pattern '" + it.text + "': " + why);
      ok = false;
    }
  }
  return ok;
}

bool read_word_set(YamlReader& r, const Entry& e, WordSet& out) {
  auto items = read_items(r, e);
  if (!items) return false;
  bool ok = true;
  for (const Item& it : *items) {
    std::string why;
    if (auto g = Glob::compile(it.text, why)) {
      out.add(std::move(*g));
    } else {
      r.problem(it.line, e.path + ": bad pattern '" + it.text + "': " + why);
      ok = false;
    }
  }
  return ok;
}

bool read_flag(YamlReader& r, const Entry& e, std::optional<bool>& out) {
  out = r.read_bool(e);
  return out.has_value();
}

// absent | trivially_true | present (any WHERE) | unfiltered (absent or trivially true) |
// filtered (a WHERE that is not trivially true)
bool read_where(YamlReader& r, const Entry& e, uint8_t& out) {
  auto items = read_items(r, e);
  if (!items) return false;
  bool ok = true;
  for (const Item& it : *items) {
    if (it.text == "absent") {
      out |= kWhereAbsent;
    } else if (it.text == "trivially_true") {
      out |= kWhereTrivial;
    } else if (it.text == "present") {
      out |= kWhereTrivial | kWhereFiltering;
    } else if (it.text == "unfiltered") {
      out |= kWhereAbsent | kWhereTrivial;
    } else if (it.text == "filtered") {
      out |= kWhereFiltering;
    } else {
      r.problem(it.line, e.path + ": unknown value '" + it.text +
                             "' (expected absent, present, trivially_true, unfiltered, filtered)");
      ok = false;
    }
  }
  return ok;
}

bool read_limit(YamlReader& r, const Entry& e, std::optional<bool>& out) {
  if (e.value.IsScalar() && (e.value.Scalar() == "absent" || e.value.Scalar() == "present")) {
    out = e.value.Scalar() == "present";
    return true;
  }
  r.problem(e.line, e.path + ": expected absent or present");
  return false;
}

// origin: top_level, cte, explained, ... (sql::NestedOrigin) or executed (through EXECUTE).
bool read_origins(YamlReader& r, const Entry& e, uint16_t& out) {
  auto items = read_items(r, e);
  if (!items) return false;
  bool ok = true;
  constexpr unsigned kLast = static_cast<unsigned>(sql::NestedOrigin::kSchemaElement);
  for (const Item& it : *items) {
    if (it.text == "executed") {
      out |= kOriginExecuted;
      continue;
    }
    bool found = false;
    for (unsigned v = 0; v <= kLast && !found; ++v) {
      if (sql::to_string(static_cast<sql::NestedOrigin>(v)) == it.text) {
        out |= static_cast<uint16_t>(1u << v);
        found = true;
      }
    }
    if (!found) {
      std::string valid;
      for (unsigned v = 0; v <= kLast; ++v)
        valid += std::string(sql::to_string(static_cast<sql::NestedOrigin>(v))) + ", ";
      r.problem(it.line,
                e.path + ": unknown value '" + it.text + "' (expected " + valid + "executed)");
      ok = false;
    }
  }
  return ok;
}

// "> 100000", ">= 1e6", "< 10", "> $bulk_read_rows".
bool read_cost(YamlReader& r, const Entry& e, const RuleParameters* params,
               std::optional<CostBound>& out) {
  constexpr const char* kExpected =
      ": expected a comparison such as \"> 100000\" (operators >, >=, <, <=)";
  if (!e.value.IsScalar()) {
    r.problem(e.line, e.path + kExpected);
    return false;
  }
  std::string_view s = e.value.Scalar();
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  s = trim(s);
  CostBound b;
  if (s.starts_with(">=")) {
    b.op = CostBound::Op::kGreaterEqual;
    s.remove_prefix(2);
  } else if (s.starts_with("<=")) {
    b.op = CostBound::Op::kLessEqual;
    s.remove_prefix(2);
  } else if (s.starts_with('>')) {
    b.op = CostBound::Op::kGreater;
    s.remove_prefix(1);
  } else if (s.starts_with('<')) {
    b.op = CostBound::Op::kLess;
    s.remove_prefix(1);
  } else {
    r.problem(e.line, e.path + kExpected);
    return false;
  }
  s = trim(s);
  if (s.starts_with('$')) {
    std::string_view name = s.substr(1);
    auto it = params ? params->find(name) : RuleParameters::const_iterator{};
    if (params == nullptr || it == params->end()) {
      r.problem(e.line, e.path + ": unknown parameter '" + std::string(s) + "'");
      return false;
    }
    b.value = it->second;
  } else {
    // std::from_chars for double is in libstdc++ 11+.
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) {
      r.problem(e.line, e.path + kExpected + " with a number >= 0");
      return false;
    }
    b.value = v;
  }
  out = b;
  return true;
}

template <typename E>
constexpr unsigned last_of(E e) {
  return static_cast<unsigned>(e);
}

}  // namespace

bool parse_match(const Entry& e, const RuleSource& source, Match& m) {
  YamlReader& r = *source.reader;
  if (e.value.IsNull()) {
    r.problem(e.key_line, e.path +
                              ": expected a mapping of conditions (`{}` matches every "
                              "statement)");
    return false;
  }
  if (!r.expect_map(e.value, e.path, e.key_line)) return false;
  bool ok = true;
  for (const Entry& f : r.entries(e.value, e.path, "match conditions", kConditions)) {
    const std::string& k = f.key;
    bool good = true;
    if (k == "statement") {
      good = read_enum_bits<sql::StatementKind>(r, f, 0, last_of(sql::StatementKind::kUnparseable),
                                                m.kinds);
    } else if (k == "verb") {
      good = read_enum_bits<sql::DdlVerb>(r, f, 1, last_of(sql::DdlVerb::kRevoke), m.verbs);
    } else if (k == "object") {
      good = read_enum_bits<sql::ObjectType>(r, f, 1, last_of(sql::ObjectType::kOther), m.objects);
    } else if (k == "transaction") {
      good = read_enum_bits<sql::TransactionVerb>(
          r, f, 1, last_of(sql::TransactionVerb::kRollbackPrepared), m.transactions);
    } else if (k == "setting_action") {
      good = read_enum_bits<sql::SettingAction>(r, f, 1, last_of(sql::SettingAction::kShow),
                                                m.setting_actions);
    } else if (k == "copy_direction") {
      good = read_enum_bits<sql::CopyDirection>(r, f, 1, last_of(sql::CopyDirection::kFrom),
                                                m.copy_directions);
    } else if (k == "copy_endpoint") {
      good = read_enum_bits<sql::CopyEndpoint>(r, f, 1, last_of(sql::CopyEndpoint::kProgram),
                                               m.copy_endpoints);
    } else if (k == "unparseable") {
      good = read_enum_bits<sql::UnparseableReason>(
          r, f, 1, last_of(sql::UnparseableReason::kInternal), m.unparseable);
    } else if (k == "origin") {
      good = read_origins(r, f, m.origins);
    } else if (k == "where") {
      good = read_where(r, f, m.where);
    } else if (k == "limit") {
      good = read_limit(r, f, m.limit);
    } else if (k == "relations") {
      good = read_name_set(r, f, m.relations);
    } else if (k == "relations_read") {
      good = read_name_set(r, f, m.relations_read);
    } else if (k == "relations_written") {
      good = read_name_set(r, f, m.relations_written);
    } else if (k == "functions") {
      good = read_name_set(r, f, m.functions);
    } else if (k == "reads_other_than") {
      good = read_name_set(r, f, m.reads_other_than);
    } else if (k == "objects") {
      good = read_name_set(r, f, m.object_names);
    } else if (k == "name") {
      good = read_word_set(r, f, m.names);
    } else if (k == "setting") {
      good = read_word_set(r, f, m.settings);
    } else if (k == "language") {
      good = read_word_set(r, f, m.languages);
    } else if (k == "select_star") {
      good = read_flag(r, f, m.select_star);
    } else if (k == "nested_dml") {
      good = read_flag(r, f, m.nested_dml);
    } else if (k == "copies_masked_data") {
      good = read_flag(r, f, m.copies_masked_data);
    } else if (k == "explain_analyze") {
      good = read_flag(r, f, m.explain_analyze);
    } else if (k == "select_into") {
      good = read_flag(r, f, m.select_into);
    } else if (k == "create_table_as") {
      good = read_flag(r, f, m.create_table_as);
    } else if (k == "security_definer") {
      good = read_flag(r, f, m.security_definer);
    } else if (k == "temporary") {
      good = read_flag(r, f, m.temporary);
    } else if (k == "cascade") {
      good = read_flag(r, f, m.cascade);
    } else if (k == "or_replace") {
      good = read_flag(r, f, m.or_replace);
    } else if (k == "executes") {
      good = read_flag(r, f, m.executes);
    } else if (k == "unknown_prepared") {
      good = read_flag(r, f, m.unknown_prepared);
    } else if (k == "estimated_rows") {
      good = read_cost(r, f, source.parameters, m.estimated_rows);
    } else if (k == "estimated_cost") {
      good = read_cost(r, f, source.parameters, m.estimated_cost);
    }
    ok = ok && good;
  }
  return ok;
}

}  // namespace gh::policy
