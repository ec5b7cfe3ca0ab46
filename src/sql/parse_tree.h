#pragma once

// Reading libpg_query's JSON parse tree with simdjson's DOM, error codes only.
//
// Shape (libpg_query 15): a node is an object with one member named by its type,
// {"SelectStmt": {...fields...}}; lists are arrays of nodes; a field whose type is fixed in the
// grammar (InsertStmt.relation, IntoClause.rel, CallStmt.funccall, SelectStmt.larg, ...) holds
// the bare field object without the type wrapper. Fields with default values (false, 0, empty)
// are left out, so absent means default. Field names start lowercase, node types uppercase.

#include <simdjson.h>

#include <cstdint>
#include <string_view>

namespace gh::sql::tree {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

inline bool is_node_type(std::string_view key) {
  return !key.empty() && key[0] >= 'A' && key[0] <= 'Z';
}

// {"Type": body} -> type and body. False for anything else.
inline bool as_node(element e, std::string_view& type, object& body) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return false;
  auto it = o.begin();
  if (it == o.end() || !is_node_type(it.key())) return false;
  type = it.key();
  return it.value().get_object().get(body) == simdjson::SUCCESS;
}

inline bool member(object o, std::string_view key, element& out) {
  return o.at_key(key).get(out) == simdjson::SUCCESS;
}

inline bool object_member(object o, std::string_view key, object& out) {
  return o.at_key(key).get_object().get(out) == simdjson::SUCCESS;
}

inline bool array_member(object o, std::string_view key, array& out) {
  return o.at_key(key).get_array().get(out) == simdjson::SUCCESS;
}

// "" when absent or not a string.
inline std::string_view string_member(object o, std::string_view key) {
  std::string_view s;
  if (o.at_key(key).get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

// "" when not a string.
inline std::string_view string_value(element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

// false when absent (libpg_query leaves out false booleans).
inline bool bool_member(object o, std::string_view key) {
  bool b = false;
  if (o.at_key(key).get_bool().get(b) != simdjson::SUCCESS) return false;
  return b;
}

inline int64_t int_member(object o, std::string_view key, int64_t absent = 0) {
  int64_t v = absent;
  if (o.at_key(key).get_int64().get(v) != simdjson::SUCCESS) return absent;
  return v;
}

// {"String": {"sval": "x"}} -> "x".
inline bool string_node(element e, std::string_view& out) {
  std::string_view type;
  object body;
  if (!as_node(e, type, body) || type != "String") return false;
  out = string_member(body, "sval");
  return true;
}

// The last String of a list of them (["pg_catalog", "upper"] -> "upper"); "" if none.
inline std::string_view last_string(array parts) {
  std::string_view last;
  for (element p : parts) {
    std::string_view s;
    if (string_node(p, s)) last = s;
  }
  return last;
}

// The body of node `e` if it has type `type`.
inline bool node_of_type(element e, std::string_view type, object& body) {
  std::string_view t;
  return as_node(e, t, body) && t == type;
}

// The integer of an A_Const body. libpg_query 15-4.0.0 prints negative integer constants as
// if they were 0, `"ival": {}` (pganalyze/libpg_query#243, fixed in later releases): for those
// the literal's own text, at the constant's location in `sql`, tells 0 from -5. False when the
// constant is not an integer or its text is not a plain (negative) integer.
inline bool const_int(object a_const, std::string_view sql, int64_t& out) {
  object ival;
  if (a_const.at_key("ival").get_object().get(ival) != simdjson::SUCCESS) return false;
  if (ival.at_key("ival").get_int64().get(out) == simdjson::SUCCESS) return true;
  int64_t location = int_member(a_const, "location", -1);
  if (location < 0 || static_cast<uint64_t>(location) >= sql.size()) return false;
  auto i = static_cast<size_t>(location);
  const bool negative = sql[i] == '-';
  if (negative) {
    ++i;
    while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r'))
      ++i;
  }
  if (i >= sql.size() || sql[i] < '0' || sql[i] > '9') return false;
  int64_t value = 0;
  for (; i < sql.size() && sql[i] >= '0' && sql[i] <= '9'; ++i) {
    value = value * 10 + (sql[i] - '0');
    if (value > (int64_t{1} << 31)) return false;  // larger ones come as "fval" text
  }
  out = negative ? -value : value;
  return true;
}

// A SelectStmt body that is a UNION / INTERSECT / EXCEPT of its larg and rarg.
inline bool is_set_operation(object select) {
  std::string_view op = string_member(select, "op");
  return !op.empty() && op != "SETOP_NONE";
}

inline bool is_container(element e) {
  auto t = e.type();
  return t == simdjson::dom::element_type::OBJECT || t == simdjson::dom::element_type::ARRAY;
}

}  // namespace gh::sql::tree
