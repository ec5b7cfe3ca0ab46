// SELECT, INSERT, UPDATE, DELETE, MERGE: targets, filters, the shape of the top-level select.

#include <cerrno>
#include <cstdlib>
#include <string>

#include "sql/constant_condition.h"
#include "sql/tree_walk.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

// `*` or `t.*` in a select list.
bool has_star(object select) {
  array targets;
  if (!tree::array_member(select, "targetList", targets)) return false;
  for (element target : targets) {
    object res, col;
    element val;
    array fields;
    if (!tree::node_of_type(target, "ResTarget", res) || !tree::member(res, "val", val) ||
        !tree::node_of_type(val, "ColumnRef", col) || !tree::array_member(col, "fields", fields)) {
      continue;
    }
    element last;
    for (element f : fields) last = f;
    object star;
    if (tree::node_of_type(last, "A_Star", star)) return true;
  }
  return false;
}

// LIMIT / FETCH FIRST: absent, ALL/NULL (no limit), a constant, or an expression.
void limit_facts(object select, StatementFacts& f, std::string_view sql) {
  element count;
  if (!tree::member(select, "limitCount", count)) return;
  object c;
  if (!tree::node_of_type(count, "A_Const", c)) {
    f.has_limit = true;  // LIMIT $1, LIMIT 1+1: limited, value unknown here
    return;
  }
  f.depends_on_literals = true;
  if (tree::bool_member(c, "isnull")) return;  // LIMIT ALL / LIMIT NULL
  f.has_limit = true;
  object inner;
  int64_t value = 0;
  if (tree::object_member(c, "ival", inner)) {
    if (tree::const_int(c, sql, value)) f.limit = value;
  } else if (tree::object_member(c, "fval", inner)) {
    std::string_view text = tree::string_member(inner, "fval");  // beyond int32
    std::string buf(text);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(buf.c_str(), &end, 10);
    if (!buf.empty() && *end == '\0' && errno == 0) f.limit = v;
  }
}

void filter_facts(object stmt, std::string_view key, FilterFacts& filter, StatementFacts& f,
                  std::string_view sql) {
  element where;
  if (!tree::member(stmt, key, where)) return;
  filter.has_where = true;
  bool read_literals = false;
  filter.where_trivially_true = is_trivially_true(where, sql, &read_literals);
  f.depends_on_literals = f.depends_on_literals || read_literals;
}

}  // namespace

void TreeWalk::on_select(object body, const StatementRule&) {
  select(body, SelectRole::kTop);
  // SELECT INTO hands no rows back (its laundering is judged as the table it creates).
  if (lineage_wanted() && !facts().select_into) lineage_.select_statement(body, facts());
}

void TreeWalk::dml_lineage(std::string_view type, object body) {
  element returning;
  if (lineage_wanted() && tree::member(body, "returningList", returning)) {
    lineage_.dml_statement(type, body, facts());
  }
}

void TreeWalk::select(object body, SelectRole role) {
  DepthGuard guard(*this);
  if (guard.stop()) return;
  CteScope scope(*this);
  with_clause(body);
  const bool set_op = tree::is_set_operation(body);
  if (role == SelectRole::kTop && set_op) arms_ = arms_with_where_ = arms_trivially_true_ = 0;
  if (role != SelectRole::kSubquery) select_top_facts(body, role);
  const SelectRole arm_role = role == SelectRole::kSubquery ? role : SelectRole::kTopArm;
  for (auto field : body) {
    if (field.key == "withClause") continue;
    if (field.key == "larg" || field.key == "rarg") {
      object arm;  // set-operation arms are bare SelectStmt bodies
      if (field.value.get_object().get(arm) == simdjson::SUCCESS) select(arm, arm_role);
    } else if (field.key == "intoClause") {
      object into;
      if (field.value.get_object().get(into) == simdjson::SUCCESS) {
        into_clause(into, role != SelectRole::kSubquery);
      }
    } else if (tree::is_container(field.value)) {
      walk(field.value);
    }
    if (failed_) return;
  }
  if (role == SelectRole::kTop && set_op) {
    // A set operation filters every row only if every arm has a WHERE.
    FilterFacts& filter = facts().filter;
    filter.has_where = arms_ > 0 && arms_with_where_ == arms_;
    filter.where_trivially_true = arms_ > 0 && arms_trivially_true_ == arms_;
  }
}

void TreeWalk::select_top_facts(object body, SelectRole role) {
  StatementFacts& f = facts();
  if (role == SelectRole::kTop) limit_facts(body, f, sql());
  if (tree::is_set_operation(body)) return;  // its arms report their own
  f.select_star = f.select_star || has_star(body);
  FilterFacts filter;
  filter_facts(body, "whereClause", filter, f, sql());
  if (role == SelectRole::kTop) {
    f.filter = filter;
  } else {
    ++arms_;
    arms_with_where_ += filter.has_where ? 1 : 0;
    arms_trivially_true_ += filter.where_trivially_true ? 1 : 0;
  }
}

// SELECT ... INTO t creates table t from the query: kind kDdl, so that a read-only policy
// never mistakes it for a read.
void TreeWalk::into_clause(object into, bool top) {
  object rel;
  if (!tree::object_member(into, "rel", rel)) return;
  range_var(rel, Access::kWrite);
  if (!top) return;
  StatementFacts& f = facts();
  f.select_into = true;
  f.kind = StatementKind::kDdl;
  f.ddl.verb = DdlVerb::kCreate;
  f.ddl.object = ObjectType::kTable;
  f.ddl.temporary = tree::string_member(rel, "relpersistence") == "t";
  add_name(f.ddl.objects, tree::string_member(rel, "catalogname"),
           tree::string_member(rel, "schemaname"), tree::string_member(rel, "relname"));
}

// The target of INSERT/UPDATE/DELETE/MERGE is written; with RETURNING its rows are also read
// (DELETE FROM t RETURNING * discloses t). A target is always a table, never a CTE.
void TreeWalk::dml_target(object body) {
  object target;
  if (!tree::object_member(body, "relation", target)) return;
  range_var(target, Access::kWrite);
  element returning;
  if (tree::member(body, "returningList", returning)) {
    add_name(facts().relations_read, tree::string_member(target, "catalogname"),
             tree::string_member(target, "schemaname"), tree::string_member(target, "relname"));
  }
}

namespace {

// Members of a DML statement other than its target and WITH, walked generically.
bool is_target_or_with(std::string_view key) { return key == "relation" || key == "withClause"; }

}  // namespace

void TreeWalk::on_insert(object body, const StatementRule&) {
  CteScope scope(*this);
  with_clause(body);
  dml_target(body);
  for (auto field : body) {
    if (!is_target_or_with(field.key) && tree::is_container(field.value)) walk(field.value);
    if (failed_) return;
  }
  dml_lineage("InsertStmt", body);
}

void TreeWalk::on_update(object body, const StatementRule&) {
  CteScope scope(*this);
  with_clause(body);
  dml_target(body);
  filter_facts(body, "whereClause", facts().filter, facts(), sql());
  for (auto field : body) {
    if (!is_target_or_with(field.key) && tree::is_container(field.value)) walk(field.value);
    if (failed_) return;
  }
  dml_lineage(facts().kind == StatementKind::kDelete ? "DeleteStmt" : "UpdateStmt", body);
}

void TreeWalk::on_delete(object body, const StatementRule& rule) { on_update(body, rule); }

void TreeWalk::on_merge(object body, const StatementRule&) {
  CteScope scope(*this);
  with_clause(body);
  dml_target(body);
  // MERGE has no WHERE; its ON condition decides which target rows the actions touch.
  filter_facts(body, "joinCondition", facts().filter, facts(), sql());
  for (auto field : body) {
    if (!is_target_or_with(field.key) && tree::is_container(field.value)) walk(field.value);
    if (failed_) return;
  }
  dml_lineage("MergeStmt", body);  // MERGE ... RETURNING is PostgreSQL 17's
}

}  // namespace gh::sql
