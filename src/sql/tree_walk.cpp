#include "sql/tree_walk.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

// How the generic walk treats a node type that is not a top-level statement.
enum class NodeRole : uint8_t { kGeneric, kLeaf, kRangeVar, kFuncCall, kSelect, kStatement };

NodeRole node_role(std::string_view type) {
  static const auto* roles = new std::unordered_map<std::string_view, NodeRole>{
      // Leaves: no relation or function can be below them.
      {"String", NodeRole::kLeaf},
      {"Integer", NodeRole::kLeaf},
      {"Float", NodeRole::kLeaf},
      {"Boolean", NodeRole::kLeaf},
      {"BitString", NodeRole::kLeaf},
      {"A_Const", NodeRole::kLeaf},
      {"ColumnRef", NodeRole::kLeaf},
      {"ParamRef", NodeRole::kLeaf},
      {"A_Star", NodeRole::kLeaf},
      {"RoleSpec", NodeRole::kLeaf},
      {"SQLValueFunction", NodeRole::kLeaf},
      {"RangeVar", NodeRole::kRangeVar},
      {"FuncCall", NodeRole::kFuncCall},
      {"SelectStmt", NodeRole::kSelect},
      {"ReturnStmt", NodeRole::kGeneric},  // RETURN expr of a SQL-body function
  };
  auto it = roles->find(type);
  if (it != roles->end()) return it->second;
  // Any other statement below a statement (CREATE SCHEMA elements, DML in a subquery
  // position) is analyzed as a statement of its own.
  if (type.size() > 4 && type.substr(type.size() - 4) == "Stmt") return NodeRole::kStatement;
  return NodeRole::kGeneric;
}

}  // namespace

bool TreeWalk::statement(element node, StatementFacts& facts, std::string_view sql) {
  facts_ = &facts;
  sql_ = sql;
  depth_ = 0;
  failed_ = false;
  ctes_.clear();
  default_access_ = Access::kRead;
  std::string_view type;
  object body;
  if (!tree::as_node(node, type, body)) return false;
  statement_body(type, body);
  return !failed_;
}

void TreeWalk::statement_body(std::string_view type, object body) {
  DepthGuard guard(*this);
  if (guard.stop()) return;
  const StatementRule* rule = find_statement_rule(type);
  StatementFacts& f = facts();
  if (rule == nullptr) {
    f.kind = StatementKind::kOther;
    f.other_node = std::string(type);
    walk_fields(body);
    return;
  }
  f.kind = rule->kind;
  f.ddl.verb = rule->verb;
  f.ddl.object = rule->object;
  (this->*rule->handler)(body, *rule);
}

void TreeWalk::walk(element e) {
  DepthGuard guard(*this);
  if (guard.stop()) return;
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      array a;
      if (e.get_array().get(a) != simdjson::SUCCESS) return;
      for (element item : a) {
        if (tree::is_container(item)) walk(item);
        if (failed_) return;
      }
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      object o;
      if (e.get_object().get(o) != simdjson::SUCCESS) return;
      auto it = o.begin();
      if (it == o.end()) return;
      if (tree::is_node_type(it.key())) {
        object body;
        if (it.value().get_object().get(body) == simdjson::SUCCESS) walk_node(it.key(), body);
        return;
      }
      walk_fields(o);
      return;
    }
    default:
      return;
  }
}

void TreeWalk::walk_fields(object body) {
  for (auto field : body) {
    // A bare RangeVar (a field typed RangeVar: IntoClause.rel, VacuumRelation.relation,
    // Constraint.pktable, TableLikeClause.relation, ...). Only RangeVar has "relname".
    if (field.key == "relname") {
      range_var(body, default_access_);
      return;
    }
    if (tree::is_container(field.value)) walk(field.value);
    if (failed_) return;
  }
}

void TreeWalk::walk_member(object body, std::string_view key) {
  element e;
  if (tree::member(body, key, e) && tree::is_container(e)) walk(e);
}

void TreeWalk::walk_node(std::string_view type, object body) {
  switch (node_role(type)) {
    case NodeRole::kLeaf:
      return;
    case NodeRole::kRangeVar:
      range_var(body, default_access_);
      return;
    case NodeRole::kFuncCall:
      func_call(body);
      return;
    case NodeRole::kSelect:
      select(body, SelectRole::kSubquery);
      return;
    case NodeRole::kStatement:
      nested_statement(type, body, NestedOrigin::kQuery, true);
      return;
    case NodeRole::kGeneric:
      walk_fields(body);
      return;
  }
}

void TreeWalk::range_var(object rv, Access access) {
  std::string_view catalog = tree::string_member(rv, "catalogname");
  std::string_view schema = tree::string_member(rv, "schemaname");
  std::string_view name = tree::string_member(rv, "relname");
  if (name.empty()) return;
  StatementFacts& f = facts();
  if (access == Access::kRead) {
    // An unqualified name that matches a CTE in scope is that CTE, not a table.
    if (catalog.empty() && schema.empty() && cte_visible(name)) return;
    add_name(f.relations_read, catalog, schema, name);
  } else {
    add_name(f.relations_written, catalog, schema, name);
  }
}

void TreeWalk::func_call(object body) {
  for (auto field : body) {
    if (field.key == "funcname") {
      array parts;
      if (field.value.get_array().get(parts) == simdjson::SUCCESS) {
        add_name_list(facts().functions, parts);
      }
    } else if (tree::is_container(field.value)) {
      walk(field.value);  // args, ORDER BY, FILTER, OVER
    }
    if (failed_) return;
  }
}

void TreeWalk::nested_statement(element node, NestedOrigin origin, bool executes) {
  std::string_view type;
  object body;
  if (!tree::as_node(node, type, body)) {
    if (tree::is_container(node)) walk(node);
    return;
  }
  nested_statement(type, body, origin, executes);
}

void TreeWalk::nested_statement(std::string_view type, object body, NestedOrigin origin,
                                bool executes) {
  StatementFacts child;
  child.origin = origin;
  child.executes = executes;
  StatementFacts* parent = facts_;
  const Access access = default_access_;
  const int arms = arms_, with_where = arms_with_where_, trivial = arms_trivially_true_;
  facts_ = &child;
  default_access_ = Access::kRead;
  statement_body(type, body);
  facts_ = parent;
  default_access_ = access;
  arms_ = arms;
  arms_with_where_ = with_where;
  arms_trivially_true_ = trivial;
  if (executes) merge_into_parent(child);
  parent->nested.push_back(std::move(child));
}

void TreeWalk::nested_statements(element list, NestedOrigin origin, bool executes) {
  DepthGuard guard(*this);
  if (guard.stop()) return;
  array items;
  if (list.get_array().get(items) == simdjson::SUCCESS) {
    for (element item : items) nested_statements(item, origin, executes);
    return;
  }
  std::string_view type;
  object body;
  if (!tree::as_node(list, type, body)) return;
  if (type == "List") {  // BEGIN ATOMIC bodies come as List { items: [List { items }] }
    element inner;
    if (tree::member(body, "items", inner)) nested_statements(inner, origin, executes);
    return;
  }
  if (node_role(type) == NodeRole::kStatement || type == "SelectStmt") {
    nested_statement(type, body, origin, executes);
  } else {
    walk_node(type, body);
  }
}

void TreeWalk::merge_into_parent(const StatementFacts& child) {
  StatementFacts& f = facts();
  for (const auto& n : child.relations_read)
    add_name(f.relations_read, n.catalog, n.schema, n.name);
  for (const auto& n : child.relations_written) {
    add_name(f.relations_written, n.catalog, n.schema, n.name);
  }
  for (const auto& n : child.functions) add_name(f.functions, n.catalog, n.schema, n.name);
}

void TreeWalk::with_clause(object body) {
  object with;
  if (!tree::object_member(body, "withClause", with)) return;
  array ctes;
  if (!tree::array_member(with, "ctes", ctes)) return;
  // WITH RECURSIVE: every CTE name is visible in every CTE query. Otherwise a CTE query sees
  // only the CTEs before it, and its own name there means a real table.
  const bool recursive = tree::bool_member(with, "recursive");
  if (recursive) {
    for (element c : ctes) {
      object cte;
      if (tree::node_of_type(c, "CommonTableExpr", cte)) {
        ctes_.push_back(tree::string_member(cte, "ctename"));
      }
    }
  }
  for (element c : ctes) {
    object cte;
    if (!tree::node_of_type(c, "CommonTableExpr", cte)) {
      walk(c);
      continue;
    }
    element query;
    if (tree::member(cte, "ctequery", query)) {
      std::string_view type;
      object qbody;
      if (tree::as_node(query, type, qbody) && node_role(type) == NodeRole::kStatement) {
        nested_statement(type, qbody, NestedOrigin::kCte, true);
      } else {
        walk(query);
      }
    }
    if (failed_) return;
    if (!recursive) ctes_.push_back(tree::string_member(cte, "ctename"));
  }
}

bool TreeWalk::cte_visible(std::string_view name) const {
  return std::find(ctes_.begin(), ctes_.end(), name) != ctes_.end();
}

void TreeWalk::on_generic(object body, const StatementRule&) { walk_fields(body); }

}  // namespace gh::sql
