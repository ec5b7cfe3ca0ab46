#pragma once

// The walk of one parsed statement's JSON tree into StatementFacts. Internal to gh_sql.
//
// One generic recursion visits every node, so relations and function calls are found wherever
// they hide (subqueries, CTEs, join trees, defaults, RETURNING, VALUES). Statement handlers,
// split by family (walk_dml.cpp, walk_utility.cpp, walk_ddl.cpp), set the kind-specific facts
// and tell the generic walk which relations are written. Depth is bounded: a tree deeper than
// `max_depth` JSON levels stops the walk and the caller reports the statement as too deep.

#include <string_view>
#include <vector>

#include "sql/lineage.h"
#include "sql/parse_tree.h"
#include "sql/statement_facts.h"

namespace gh::sql {

class TreeWalk;

// How a statement node type is handled; the table is in statement_rules.cpp.
struct StatementRule {
  void (TreeWalk::*handler)(tree::object body, const struct StatementRule& rule);
  StatementKind kind;
  DdlVerb verb = DdlVerb::kNone;
  ObjectType object = ObjectType::kNone;
};

class TreeWalk {
 public:
  explicit TreeWalk(int max_depth) : lineage_(max_depth), max_depth_(max_depth) {}

  // Fills `facts` from a top-level statement node ({"SelectStmt": {...}}). False when the tree
  // was deeper than max_depth or not shaped like a statement; `facts` is then incomplete.
  // `sql` is the whole analyzed text (locations in the tree point into it).
  bool statement(tree::element node, StatementFacts& facts, std::string_view sql);

  // ---- used by the statement handlers ----
  enum class Access : uint8_t { kRead, kWrite };
  enum class SelectRole : uint8_t { kSubquery, kTop, kTopArm };

  void walk(tree::element e);
  void walk_fields(tree::object body);  // every member, generic
  void walk_member(tree::object body, std::string_view key);
  void range_var(tree::object rv, Access access);
  void func_call(tree::object body);
  void select(tree::object body, SelectRole role);
  // A statement embedded in the current one; its facts go to the current facts' `nested`.
  void nested_statement(tree::element node, NestedOrigin origin, bool executes);
  void nested_statement(std::string_view type, tree::object body, NestedOrigin origin,
                        bool executes);
  void nested_statements(tree::element list, NestedOrigin origin, bool executes);
  // WITH of the statement `body`: registers its CTE names (visible until the enclosing
  // CteScope ends) and walks the CTE queries.
  void with_clause(tree::object body);
  bool cte_visible(std::string_view name) const;

  StatementFacts& facts() { return *facts_; }
  std::string_view sql() const { return sql_; }
  bool failed() const { return failed_; }
  // How the generic walk files the relations it meets: read, or written (TRUNCATE, VACUUM).
  void set_default_access(Access a) { default_access_ = a; }

  // Restores the CTE names in scope when a statement that may carry WITH ends.
  class CteScope {
   public:
    explicit CteScope(TreeWalk& w) : w_(w), size_(w.ctes_.size()) {}
    ~CteScope() { w_.ctes_.resize(size_); }
    CteScope(const CteScope&) = delete;
    CteScope& operator=(const CteScope&) = delete;

   private:
    TreeWalk& w_;
    size_t size_;
  };

  // ---- statement handlers (one per statement family; defined in walk_*.cpp) ----
  void on_select(tree::object body, const StatementRule& rule);
  void on_insert(tree::object body, const StatementRule& rule);
  void on_update(tree::object body, const StatementRule& rule);
  void on_delete(tree::object body, const StatementRule& rule);
  void on_merge(tree::object body, const StatementRule& rule);

  void on_copy(tree::object body, const StatementRule& rule);
  static void copy_options(tree::object body, CopyFacts& c);
  void on_explain(tree::object body, const StatementRule& rule);
  void on_prepare(tree::object body, const StatementRule& rule);
  void on_execute(tree::object body, const StatementRule& rule);
  void on_deallocate(tree::object body, const StatementRule& rule);
  void on_do(tree::object body, const StatementRule& rule);
  void on_call(tree::object body, const StatementRule& rule);
  void on_variable_set(tree::object body, const StatementRule& rule);
  void on_variable_show(tree::object body, const StatementRule& rule);
  void on_transaction(tree::object body, const StatementRule& rule);
  void on_channel(tree::object body, const StatementRule& rule);
  void on_truncate(tree::object body, const StatementRule& rule);
  void on_lock(tree::object body, const StatementRule& rule);
  void on_maintenance(tree::object body, const StatementRule& rule);
  void on_discard(tree::object body, const StatementRule& rule);
  void on_cursor(tree::object body, const StatementRule& rule);
  void on_load(tree::object body, const StatementRule& rule);
  void on_alter_system(tree::object body, const StatementRule& rule);
  void on_generic(tree::object body, const StatementRule& rule);

  void on_ddl(tree::object body, const StatementRule& rule);
  void on_create_index(tree::object body, const StatementRule& rule);
  void on_create_table_as(tree::object body, const StatementRule& rule);
  void on_create_function(tree::object body, const StatementRule& rule);
  void on_create_schema(tree::object body, const StatementRule& rule);
  void on_rule(tree::object body, const StatementRule& rule);
  void on_drop(tree::object body, const StatementRule& rule);
  void on_rename(tree::object body, const StatementRule& rule);
  void on_grant(tree::object body, const StatementRule& rule);
  void on_grant_role(tree::object body, const StatementRule& rule);
  void on_default_privileges(tree::object body, const StatementRule& rule);
  void on_role(tree::object body, const StatementRule& rule);

 private:
  friend class CteScope;
  // Counts JSON levels on the way down; past the limit the walk stops and reports failure.
  class DepthGuard {
   public:
    explicit DepthGuard(TreeWalk& w) : w_(w) {
      if (++w_.depth_ > w_.max_depth_) w_.failed_ = true;
    }
    ~DepthGuard() { --w_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    bool stop() const { return w_.failed_; }

   private:
    TreeWalk& w_;
  };

  void statement_body(std::string_view type, tree::object body);
  void walk_node(std::string_view type, tree::object body);
  void merge_into_parent(const StatementFacts& child);
  void select_top_facts(tree::object body, SelectRole role);
  void into_clause(tree::object into, bool top);
  void dml_target(tree::object body);
  // Whether the current statement's rows reach the client, so that its output lineage is
  // wanted: a top-level statement, or the one PREPARE names (EXECUTE runs it).
  bool lineage_wanted() const {
    return !failed_ &&
           (facts_->origin == NestedOrigin::kTopLevel || facts_->origin == NestedOrigin::kPrepared);
  }
  void dml_lineage(std::string_view type, tree::object body);

  LineageWalk lineage_;

  StatementFacts* facts_ = nullptr;
  std::string_view sql_;
  Access default_access_ = Access::kRead;
  std::vector<std::string_view> ctes_;  // CTE names in scope (views into the DOM)
  int depth_ = 0;
  int max_depth_;
  bool failed_ = false;
  // Set-operation arms of the top-level SELECT: how many, how many have WHERE / trivial WHERE.
  int arms_ = 0, arms_with_where_ = 0, arms_trivially_true_ = 0;
};

// The rule for a statement node type ("SelectStmt", ...); nullptr for types handled as kOther.
const StatementRule* find_statement_rule(std::string_view type);

// Adds [catalog.][schema.]name to `names` unless present (no allocation when present).
void add_name(std::vector<QualifiedName>& names, std::string_view catalog, std::string_view schema,
              std::string_view name);
// A name given as a list of String nodes (["pg_catalog", "pg_read_file"]).
void add_name_list(std::vector<QualifiedName>& names, tree::array parts);
// Object names in DROP/COMMENT/GRANT object lists: String, List of String, ObjectWithArgs,
// TypeName, RangeVar, RoleSpec, AccessPriv.
void add_object_name(std::vector<QualifiedName>& names, tree::element node);
// RoleSpec -> "bob", "public", "current_user", "session_user", "current_role".
std::string_view role_spec_name(tree::object role_spec);
// OBJECT_TABLE -> kTable, ...
ObjectType object_type_from(std::string_view objtype);
bool is_relation_object(ObjectType t);
// SET/RESET facts from a VariableSetStmt body (also ALTER SYSTEM/ROLE/DATABASE ... SET).
void fill_setting(tree::object set_stmt, std::string_view sql, SettingFacts& setting);

}  // namespace gh::sql
