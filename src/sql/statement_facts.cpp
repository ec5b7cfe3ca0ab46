#include "sql/statement_facts.h"

#include <array>

namespace gh::sql {

std::string QualifiedName::text() const {
  std::string out;
  out.reserve(catalog.size() + schema.size() + name.size() + 2);
  if (!catalog.empty()) out.append(catalog).push_back('.');
  if (!schema.empty()) out.append(schema).push_back('.');
  out.append(name);
  return out;
}

namespace {

// Indexes an enum's name table; an out-of-range value (a bug) reads as "unknown".
template <size_t N, typename E>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) {
  auto i = static_cast<size_t>(value);
  return i < N ? names[i] : std::string_view("unknown");
}

constexpr std::array<std::string_view, 31> kKindNames = {"select",       "insert",
                                                         "update",       "delete",
                                                         "merge",        "ddl",
                                                         "copy",         "transaction",
                                                         "set",          "show",
                                                         "explain",      "prepare",
                                                         "execute",      "deallocate",
                                                         "do",           "create_function",
                                                         "call",         "listen",
                                                         "notify",       "unlisten",
                                                         "privilege",    "role_management",
                                                         "alter_system", "truncate",
                                                         "maintenance",  "lock",
                                                         "discard",      "cursor",
                                                         "load",         "other",
                                                         "unparseable"};
static_assert(kKindNames.size() == static_cast<size_t>(StatementKind::kUnparseable) + 1);

constexpr std::array<std::string_view, 7> kVerbNames = {"none",    "create", "alter", "drop",
                                                        "comment", "grant",  "revoke"};
static_assert(kVerbNames.size() == static_cast<size_t>(DdlVerb::kRevoke) + 1);

constexpr std::array<std::string_view, 42> kObjectNames = {"none",           "table",
                                                           "view",           "materialized_view",
                                                           "index",          "sequence",
                                                           "foreign_table",  "column",
                                                           "constraint",     "schema",
                                                           "database",       "tablespace",
                                                           "function",       "procedure",
                                                           "routine",        "aggregate",
                                                           "trigger",        "event_trigger",
                                                           "rule",           "policy",
                                                           "type",           "domain",
                                                           "extension",      "language",
                                                           "role",           "foreign_data_wrapper",
                                                           "foreign_server", "user_mapping",
                                                           "publication",    "subscription",
                                                           "statistics",     "collation",
                                                           "conversion",     "operator",
                                                           "operator_class", "operator_family",
                                                           "cast",           "text_search",
                                                           "access_method",  "transform",
                                                           "large_object",   "other"};
static_assert(kObjectNames.size() == static_cast<size_t>(ObjectType::kOther) + 1);

constexpr std::array<std::string_view, 10> kTransactionNames = {"none",
                                                                "begin",
                                                                "commit",
                                                                "rollback",
                                                                "savepoint",
                                                                "release",
                                                                "rollback_to",
                                                                "prepare_transaction",
                                                                "commit_prepared",
                                                                "rollback_prepared"};
static_assert(kTransactionNames.size() ==
              static_cast<size_t>(TransactionVerb::kRollbackPrepared) + 1);

constexpr std::array<std::string_view, 7> kSettingActionNames = {
    "none", "set", "set_default", "set_current", "reset", "reset_all", "show"};
constexpr std::array<std::string_view, 5> kSettingTargetNames = {
    "other", "role", "session_authorization", "search_path", "transaction"};
constexpr std::array<std::string_view, 3> kCopyDirectionNames = {"none", "to", "from"};
constexpr std::array<std::string_view, 4> kCopyEndpointNames = {"none", "stdio", "file", "program"};
constexpr std::array<std::string_view, 9> kOriginNames = {
    "top_level", "cte",         "explained",    "prepared",      "copy_query",
    "query",     "rule_action", "routine_body", "schema_element"};
static_assert(kOriginNames.size() == static_cast<size_t>(NestedOrigin::kSchemaElement) + 1);
constexpr std::array<std::string_view, 6> kReasonNames = {"none",     "syntax",   "too_long",
                                                          "too_deep", "nul_byte", "internal"};

size_t string_bytes(const std::string& s) {
  // Short strings live inline (SSO); only longer ones cost heap.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

size_t names_bytes(const std::vector<QualifiedName>& names) {
  size_t n = names.capacity() * sizeof(QualifiedName);
  for (const auto& q : names) {
    n += string_bytes(q.catalog) + string_bytes(q.schema) + string_bytes(q.name);
  }
  return n;
}

}  // namespace

std::string_view to_string(StatementKind k) { return name_of(kKindNames, k); }
std::string_view to_string(DdlVerb v) { return name_of(kVerbNames, v); }
std::string_view to_string(ObjectType t) { return name_of(kObjectNames, t); }
std::string_view to_string(TransactionVerb v) { return name_of(kTransactionNames, v); }
std::string_view to_string(SettingAction a) { return name_of(kSettingActionNames, a); }
std::string_view to_string(SettingTarget t) { return name_of(kSettingTargetNames, t); }
std::string_view to_string(CopyDirection d) { return name_of(kCopyDirectionNames, d); }
std::string_view to_string(CopyEndpoint e) { return name_of(kCopyEndpointNames, e); }
std::string_view to_string(NestedOrigin o) { return name_of(kOriginNames, o); }
std::string_view to_string(UnparseableReason r) { return name_of(kReasonNames, r); }

size_t approximate_size(const StatementFacts& f) {
  size_t n = sizeof(StatementFacts);
  n += names_bytes(f.relations_read) + names_bytes(f.relations_written) + names_bytes(f.functions) +
       names_bytes(f.ddl.objects);
  n += f.ddl.grantees.capacity() * sizeof(std::string);
  for (const auto& g : f.ddl.grantees) n += string_bytes(g);
  n += string_bytes(f.name) + string_bytes(f.payload) + string_bytes(f.copy.target) +
       string_bytes(f.routine.language) + string_bytes(f.setting.name) +
       string_bytes(f.setting.value) + string_bytes(f.error.message) + string_bytes(f.other_node);
  n += f.output_columns.capacity() * sizeof(OutputColumn);
  for (const auto& c : f.output_columns) {
    n += string_bytes(c.name) + names_bytes(c.functions);
    n += c.sources.capacity() * sizeof(ColumnSource);
    for (const auto& s : c.sources) {
      n += string_bytes(s.relation.catalog) + string_bytes(s.relation.schema) +
           string_bytes(s.relation.name) + string_bytes(s.column);
    }
    n += c.star_except.capacity() * sizeof(std::string);
    for (const auto& e : c.star_except) n += string_bytes(e);
  }
  n += (f.nested.capacity() - f.nested.size()) * sizeof(StatementFacts);
  for (const auto& child : f.nested) n += approximate_size(child);
  return n;
}

}  // namespace gh::sql
