#include "sql/constant_condition.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

// SQL three-valued logic plus "cannot tell" (anything that depends on the data).
enum class Truth : uint8_t { kUnknown, kTrue, kFalse, kNull };

struct Value {
  enum class Type : uint8_t { kUnknown, kNull, kBool, kInt, kNumber, kText };
  Type type = Type::kUnknown;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view text;
};

constexpr int kMaxDepth = 64;  // conditions nested deeper are not "trivial"

// Literal values read by the current evaluation (see is_trivially_true's read_literals). The
// evaluation is recursive and single-threaded; a counter beats threading a context through it.
thread_local uint64_t literals_read = 0;

Truth from_bool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool prefix_of(std::string_view s, std::string_view word, size_t min_len = 1) {
  if (s.size() < min_len || s.size() > word.size()) return false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[k]) return false;
  }
  return true;
}

// PostgreSQL's boolin: unique prefixes of true/false/yes/no, on/off (two letters at least),
// 1 and 0, ignoring case and surrounding whitespace.
bool parse_bool_text(std::string_view s, bool& out) {
  s = trim(s);
  if (s == "1" || s == "0") {
    out = s == "1";
    return true;
  }
  if (prefix_of(s, "true") || prefix_of(s, "yes") || prefix_of(s, "on", 2)) {
    out = true;
    return true;
  }
  if (prefix_of(s, "false") || prefix_of(s, "no") || prefix_of(s, "off", 2)) {
    out = false;
    return true;
  }
  return false;
}

// A numeric literal's text as int64 (integral) or double.
bool parse_number(std::string_view s, Value& out) {
  s = trim(s);
  if (s.empty() || s.size() > 63) return false;
  char buf[64];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  long long i = std::strtoll(buf, &end, 10);
  if (*end == '\0' && errno == 0) {
    out.type = Value::Type::kInt;
    out.i = i;
    return true;
  }
  errno = 0;
  double d = std::strtod(buf, &end);
  if (*end != '\0' || errno != 0 || !std::isfinite(d)) return false;
  out.type = Value::Type::kNumber;
  out.d = d;
  return true;
}

Value const_value(object body, std::string_view sql) {
  ++literals_read;
  Value v;
  object inner;
  if (tree::bool_member(body, "isnull")) {
    v.type = Value::Type::kNull;
  } else if (tree::object_member(body, "ival", inner)) {
    if (tree::const_int(body, sql, v.i)) v.type = Value::Type::kInt;
  } else if (tree::object_member(body, "fval", inner)) {
    if (!parse_number(tree::string_member(inner, "fval"), v)) v.type = Value::Type::kUnknown;
  } else if (tree::object_member(body, "boolval", inner)) {
    v.type = Value::Type::kBool;
    v.b = tree::bool_member(inner, "boolval");
  } else if (tree::object_member(body, "sval", inner)) {
    v.type = Value::Type::kText;
    v.text = tree::string_member(inner, "sval");
  }
  return v;
}

double as_double(const Value& v) {
  return v.type == Value::Type::kInt ? static_cast<double>(v.i) : v.d;
}
bool is_numeric(const Value& v) {
  return v.type == Value::Type::kInt || v.type == Value::Type::kNumber;
}

// An unknown-typed literal ('...') takes the type of the other side, as in PostgreSQL.
Value coerce_text(const Value& text, Value::Type to) {
  Value v;
  if (to == Value::Type::kBool) {
    if (parse_bool_text(text.text, v.b)) v.type = Value::Type::kBool;
  } else if (to == Value::Type::kInt || to == Value::Type::kNumber) {
    if (!parse_number(text.text, v)) v.type = Value::Type::kUnknown;
  }
  return v;
}

Value cast(const Value& v, std::string_view type) {
  using T = Value::Type;
  if (v.type == T::kNull || v.type == T::kUnknown) return v;
  Value out;
  if (type == "bool") {
    if (v.type == T::kBool) return v;
    if (v.type == T::kText) return coerce_text(v, T::kBool);
    if (v.type == T::kInt) {
      out.type = T::kBool;
      out.b = v.i != 0;
    }
  } else if (type == "int2" || type == "int4" || type == "int8") {
    if (v.type == T::kInt) return v;
    if (v.type == T::kText) {
      out = coerce_text(v, T::kInt);
      if (out.type != T::kInt) out.type = T::kUnknown;
    } else if (v.type == T::kBool) {
      out.type = T::kInt;
      out.i = v.b ? 1 : 0;
    }
  } else if (type == "numeric" || type == "float4" || type == "float8") {
    if (is_numeric(v)) return v;
    if (v.type == T::kText) return coerce_text(v, T::kNumber);
  } else if (type == "text" || type == "varchar" || type == "bpchar" || type == "name") {
    if (v.type == T::kText) return v;
  }
  return out;
}

Truth truth_of(element e, int depth, std::string_view sql);

// The last part of a TypeName's names ("pg_catalog"."int4" -> "int4").
std::string_view type_name(object type_name_body) {
  array names;
  std::string_view last;
  if (!tree::array_member(type_name_body, "names", names)) return last;
  for (element n : names) tree::string_node(n, last);
  return last;
}

Value value_of(element e, int depth, std::string_view sql) {
  Value v;
  std::string_view type;
  object body;
  if (depth > kMaxDepth || !tree::as_node(e, type, body)) return v;
  if (type == "A_Const") return const_value(body, sql);
  if (type == "TypeCast") {
    element arg;
    object tn;
    if (!tree::member(body, "arg", arg) || !tree::object_member(body, "typeName", tn)) return v;
    return cast(value_of(arg, depth + 1, sql), type_name(tn));
  }
  if (type != "BoolExpr" && type != "A_Expr" && type != "SubLink" && type != "NullTest" &&
      type != "BooleanTest") {
    return v;
  }
  switch (truth_of(e, depth, sql)) {
    case Truth::kTrue:
      v.type = Value::Type::kBool;
      v.b = true;
      break;
    case Truth::kFalse:
      v.type = Value::Type::kBool;
      break;
    case Truth::kNull:
      v.type = Value::Type::kNull;
      break;
    case Truth::kUnknown:
      break;
  }
  return v;
}

// Compares two constants with a comparison operator; kUnknown if it cannot tell.
Truth compare(std::string_view op, Value a, Value b) {
  using T = Value::Type;
  if (a.type == T::kUnknown || b.type == T::kUnknown) return Truth::kUnknown;
  if (a.type == T::kNull || b.type == T::kNull) return Truth::kNull;
  if (a.type == T::kText && b.type != T::kText) a = coerce_text(a, b.type);
  if (b.type == T::kText && a.type != T::kText) b = coerce_text(b, a.type);
  if (a.type == T::kUnknown || b.type == T::kUnknown) return Truth::kUnknown;
  int c;
  if (a.type == T::kBool && b.type == T::kBool) {
    c = static_cast<int>(a.b) - static_cast<int>(b.b);
  } else if (a.type == T::kInt && b.type == T::kInt) {
    c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  } else if (is_numeric(a) && is_numeric(b)) {
    double x = as_double(a), y = as_double(b);
    c = x < y ? -1 : (x > y ? 1 : 0);
  } else if (a.type == T::kText && b.type == T::kText) {
    // Ordering of text depends on the collation; equality does not (deterministic ones).
    if (op != "=" && op != "<>" && op != "!=") return Truth::kUnknown;
    c = a.text == b.text ? 0 : 1;
  } else {
    return Truth::kUnknown;
  }
  if (op == "=") return from_bool(c == 0);
  if (op == "<>" || op == "!=") return from_bool(c != 0);
  if (op == "<") return from_bool(c < 0);
  if (op == ">") return from_bool(c > 0);
  if (op == "<=") return from_bool(c <= 0);
  if (op == ">=") return from_bool(c >= 0);
  return Truth::kUnknown;
}

bool same_column(element a, element b) {
  object ca, cb;
  array fa, fb;
  if (!tree::node_of_type(a, "ColumnRef", ca) || !tree::node_of_type(b, "ColumnRef", cb) ||
      !tree::array_member(ca, "fields", fa) || !tree::array_member(cb, "fields", fb)) {
    return false;
  }
  auto ia = fa.begin(), ib = fb.begin();
  for (; ia != fa.end() && ib != fb.end(); ++ia, ++ib) {
    std::string_view sa, sb;
    if (!tree::string_node(*ia, sa) || !tree::string_node(*ib, sb) || sa != sb) return false;
  }
  return ia == fa.end() && ib == fb.end();
}

// IN and BETWEEN operands: a List node ({"List": {"items": [...]}}) or a bare array.
bool list_items(element e, array& items) {
  if (e.get_array().get(items) == simdjson::SUCCESS) return true;
  object list;
  return tree::node_of_type(e, "List", list) && tree::array_member(list, "items", items);
}

std::string_view operator_name(object a_expr) {
  array name;
  std::string_view op;
  if (tree::array_member(a_expr, "name", name)) {
    for (element n : name) tree::string_node(n, op);  // OPERATOR(pg_catalog.=) -> "="
  }
  return op;
}

Truth a_expr_truth(object body, int depth, std::string_view sql) {
  std::string_view kind = tree::string_member(body, "kind");
  std::string_view op = operator_name(body);
  element l, r;
  if (!tree::member(body, "lexpr", l) || !tree::member(body, "rexpr", r)) return Truth::kUnknown;
  if (kind == "AEXPR_OP") {
    if ((op == "=" || op == "<=" || op == ">=") && same_column(l, r)) return Truth::kTrue;
    // A column on the left decides "unknown" without reading the right side's literal.
    Value a = value_of(l, depth + 1, sql);
    if (a.type == Value::Type::kUnknown) return Truth::kUnknown;
    return compare(op, a, value_of(r, depth + 1, sql));
  }
  if (kind == "AEXPR_NOT_DISTINCT" || kind == "AEXPR_DISTINCT") {
    const bool not_distinct = kind == "AEXPR_NOT_DISTINCT";
    if (same_column(l, r)) return from_bool(not_distinct);
    Value a = value_of(l, depth + 1, sql);
    if (a.type == Value::Type::kUnknown) return Truth::kUnknown;
    Value b = value_of(r, depth + 1, sql);
    const bool an = a.type == Value::Type::kNull, bn = b.type == Value::Type::kNull;
    if (an || bn) {
      if ((an && b.type == Value::Type::kUnknown) || (bn && a.type == Value::Type::kUnknown)) {
        return Truth::kUnknown;
      }
      return from_bool((an && bn) == not_distinct);
    }
    Truth eq = compare("=", a, b);
    if (eq == Truth::kTrue || eq == Truth::kFalse)
      return from_bool((eq == Truth::kTrue) == not_distinct);
    return Truth::kUnknown;
  }
  if (kind == "AEXPR_IN") {
    array list;
    if (!list_items(r, list)) return Truth::kUnknown;
    const bool in = op == "=";
    Value x = value_of(l, depth + 1, sql);
    if (x.type == Value::Type::kUnknown) return Truth::kUnknown;
    bool all_decided = true;
    for (element item : list) {
      Truth eq = compare("=", x, value_of(item, depth + 1, sql));
      if (in && eq == Truth::kTrue) return Truth::kTrue;
      if (!in && eq != Truth::kFalse) all_decided = false;  // NOT IN needs every one unequal
      if (in && eq != Truth::kFalse) all_decided = false;
    }
    if (!all_decided) return Truth::kUnknown;
    return from_bool(!in);
  }
  if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN" || kind == "AEXPR_BETWEEN_SYM" ||
      kind == "AEXPR_NOT_BETWEEN_SYM") {
    array bounds;
    if (!list_items(r, bounds) || bounds.size() != 2) return Truth::kUnknown;
    Value x = value_of(l, depth + 1, sql);
    if (x.type == Value::Type::kUnknown) return Truth::kUnknown;
    Value lo = value_of(bounds.at(0).value_unsafe(), depth + 1, sql);
    Value hi = value_of(bounds.at(1).value_unsafe(), depth + 1, sql);
    if ((kind == "AEXPR_BETWEEN_SYM" || kind == "AEXPR_NOT_BETWEEN_SYM") &&
        compare(">", lo, hi) == Truth::kTrue) {
      std::swap(lo, hi);
    }
    Truth ge = compare(">=", x, lo), le = compare("<=", x, hi);
    if (ge == Truth::kUnknown || le == Truth::kUnknown || ge == Truth::kNull ||
        le == Truth::kNull) {
      return Truth::kUnknown;
    }
    const bool between = ge == Truth::kTrue && le == Truth::kTrue;
    return from_bool(kind == "AEXPR_BETWEEN" || kind == "AEXPR_BETWEEN_SYM" ? between : !between);
  }
  if (kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE") {
    // x LIKE '%' matches every non-null x.
    if (op != "~~" && op != "~~*") return Truth::kUnknown;
    Value pattern = value_of(r, depth + 1, sql);
    if (pattern.type != Value::Type::kText || pattern.text.empty() ||
        pattern.text.find_first_not_of('%') != std::string_view::npos) {
      return Truth::kUnknown;
    }
    object col;
    if (tree::node_of_type(l, "ColumnRef", col)) return Truth::kTrue;
    Value x = value_of(l, depth + 1, sql);
    if (x.type == Value::Type::kText) return Truth::kTrue;
    return Truth::kUnknown;
  }
  return Truth::kUnknown;
}

Truth bool_expr_truth(object body, int depth, std::string_view sql) {
  std::string_view op = tree::string_member(body, "boolop");
  array args;
  if (!tree::array_member(body, "args", args)) return Truth::kUnknown;
  if (op == "NOT_EXPR") {
    if (args.size() != 1) return Truth::kUnknown;
    Truth t = truth_of(args.at(0).value_unsafe(), depth + 1, sql);
    if (t == Truth::kTrue) return Truth::kFalse;
    if (t == Truth::kFalse) return Truth::kTrue;
    return t;
  }
  const bool is_and = op == "AND_EXPR";
  if (!is_and && op != "OR_EXPR") return Truth::kUnknown;
  bool saw_unknown = false, saw_null = false;
  for (element arg : args) {
    Truth t = truth_of(arg, depth + 1, sql);
    if (is_and && t == Truth::kFalse) return Truth::kFalse;
    if (!is_and && t == Truth::kTrue) return Truth::kTrue;
    saw_unknown |= t == Truth::kUnknown;
    saw_null |= t == Truth::kNull;
  }
  if (saw_unknown) return Truth::kUnknown;
  if (saw_null) return Truth::kNull;
  return from_bool(is_and);
}

// EXISTS (SELECT 1) and the like: a FROM-less select with no filter always returns a row.
Truth exists_truth(object sublink, int depth, std::string_view sql) {
  if (tree::string_member(sublink, "subLinkType") != "EXISTS_SUBLINK") return Truth::kUnknown;
  element sub;
  object select;
  if (!tree::member(sublink, "subselect", sub) || !tree::node_of_type(sub, "SelectStmt", select)) {
    return Truth::kUnknown;
  }
  element ignored;
  for (std::string_view key : {"fromClause", "havingClause", "limitCount", "limitOffset", "larg",
                               "valuesLists", "withClause"}) {
    if (tree::member(select, key, ignored)) return Truth::kUnknown;
  }
  element where;
  if (tree::member(select, "whereClause", where) &&
      truth_of(where, depth + 1, sql) != Truth::kTrue) {
    return Truth::kUnknown;
  }
  return Truth::kTrue;
}

Truth truth_of(element e, int depth, std::string_view sql) {
  std::string_view type;
  object body;
  if (depth > kMaxDepth || !tree::as_node(e, type, body)) return Truth::kUnknown;
  if (type == "BoolExpr") return bool_expr_truth(body, depth, sql);
  if (type == "A_Expr") return a_expr_truth(body, depth, sql);
  if (type == "SubLink") return exists_truth(body, depth, sql);
  if (type == "NullTest") {
    element arg;
    if (!tree::member(body, "arg", arg)) return Truth::kUnknown;
    Value v = value_of(arg, depth + 1, sql);
    if (v.type == Value::Type::kUnknown) return Truth::kUnknown;
    const bool is_null = v.type == Value::Type::kNull;
    return from_bool(tree::string_member(body, "nulltesttype") == "IS_NULL" ? is_null : !is_null);
  }
  if (type == "BooleanTest") {
    element arg;
    if (!tree::member(body, "arg", arg)) return Truth::kUnknown;
    Truth t = truth_of(arg, depth + 1, sql);
    if (t == Truth::kUnknown) return t;
    std::string_view test = tree::string_member(body, "booltesttype");
    if (test == "IS_TRUE") return from_bool(t == Truth::kTrue);
    if (test == "IS_NOT_TRUE") return from_bool(t != Truth::kTrue);
    if (test == "IS_FALSE") return from_bool(t == Truth::kFalse);
    if (test == "IS_NOT_FALSE") return from_bool(t != Truth::kFalse);
    if (test == "IS_UNKNOWN") return from_bool(t == Truth::kNull);
    if (test == "IS_NOT_UNKNOWN") return from_bool(t != Truth::kNull);
    return Truth::kUnknown;
  }
  // A constant or cast in boolean context: true, 't'::bool, 'yes' (an unknown literal).
  if (type != "A_Const" && type != "TypeCast") return Truth::kUnknown;
  Value v = value_of(e, depth + 1, sql);
  if (v.type == Value::Type::kText) v = coerce_text(v, Value::Type::kBool);
  if (v.type == Value::Type::kBool) return from_bool(v.b);
  if (v.type == Value::Type::kNull) return Truth::kNull;
  return Truth::kUnknown;
}

}  // namespace

bool is_trivially_true(element condition, std::string_view sql, bool* read_literals) {
  const uint64_t before = literals_read;
  const bool trivially_true = truth_of(condition, 0, sql) == Truth::kTrue;
  if (read_literals != nullptr) *read_literals = literals_read != before;
  return trivially_true;
}

}  // namespace gh::sql
