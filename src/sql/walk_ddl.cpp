// DDL, privileges and roles: the verb, the object type, the objects named, and for
// relation-like objects the relations created, altered or dropped (as relations_written).

#include <string>

#include "sql/tree_walk.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

template <size_t N>
bool one_of(std::string_view key, const std::string_view (&keys)[N]) {
  for (auto k : keys) {
    if (k == key) return true;
  }
  return false;
}

// Where a DDL node names its object type (ALTER TABLE serves ALTER VIEW/INDEX/SEQUENCE too).
constexpr std::string_view kObjectTypeKeys[] = {"objtype", "removeType", "renameType", "objectType",
                                                "kind"};
// Fields holding the relation a DDL statement creates or changes.
constexpr std::string_view kTargetKeys[] = {"relation", "view", "sequence", "table"};
// Fields holding the name of the object created or changed, as a plain string.
constexpr std::string_view kNameKeys[] = {
    "idxname",    "trigname", "rulename",       "policy_name", "dbname",
    "schemaname", "extname",  "tablespacename", "servername",  "fdwname",
    "pubname",    "subname",  "plname",         "amname",      "local_schema"};
// ... or as a list of String nodes (a possibly qualified name).
constexpr std::string_view kNameListKeys[] = {"defnames",    "domainname",      "typeName",
                                              "collname",    "conversion_name", "opclassname",
                                              "opfamilyname"};

ObjectType object_type_of(object body) {
  for (auto key : kObjectTypeKeys) {
    ObjectType t = object_type_from(tree::string_member(body, key));
    if (t != ObjectType::kNone) return t;
  }
  return ObjectType::kNone;
}

void add_range_var_name(std::vector<QualifiedName>& names, object rv) {
  add_name(names, tree::string_member(rv, "catalogname"), tree::string_member(rv, "schemaname"),
           tree::string_member(rv, "relname"));
}

bool cascade_of(object body) { return tree::string_member(body, "behavior") == "DROP_CASCADE"; }

}  // namespace

void TreeWalk::on_ddl(object body, const StatementRule&) {
  DdlFacts& d = facts().ddl;
  if (ObjectType t = object_type_of(body); t != ObjectType::kNone) d.object = t;
  for (auto field : body) {
    std::string_view key = field.key;
    element value = field.value;
    object obj;
    array list;
    std::string_view text;
    if (one_of(key, kObjectTypeKeys)) continue;
    if (key == "replace") {
      d.or_replace = tree::bool_member(body, "replace");
    } else if (key == "behavior") {
      d.cascade = cascade_of(body);
    } else if (one_of(key, kTargetKeys) && value.get_object().get(obj) == simdjson::SUCCESS) {
      range_var(obj, Access::kWrite);
      if (is_relation_object(d.object)) add_range_var_name(d.objects, obj);
      d.temporary = d.temporary || tree::string_member(obj, "relpersistence") == "t";
    } else if (key == "typevar" && value.get_object().get(obj) == simdjson::SUCCESS) {
      add_range_var_name(d.objects, obj);  // CREATE TYPE t AS (...)
    } else if (key == "object") {
      add_object_name(d.objects, value);  // COMMENT ON, ALTER ... OWNER TO / SET SCHEMA
    } else if (key == "func" && d.verb == DdlVerb::kAlter &&
               value.get_object().get(obj) == simdjson::SUCCESS &&
               tree::array_member(obj, "objname", list)) {
      add_name_list(d.objects, list);  // ALTER FUNCTION f(...) <action>; not CREATE CAST's
    } else if (one_of(key, kNameKeys) && value.get_string().get(text) == simdjson::SUCCESS) {
      // The first name is the object's own (servername before fdwname, trigname before ...).
      if (d.objects.empty()) add_name(d.objects, {}, {}, text);
    } else if (one_of(key, kNameListKeys) && value.get_array().get(list) == simdjson::SUCCESS) {
      add_name_list(d.objects, list);
    } else if (key == "base" && value.get_object().get(obj) == simdjson::SUCCESS) {
      on_ddl(obj, StatementRule{});  // CREATE FOREIGN TABLE wraps a CreateStmt
    } else if (key == "setstmt" && value.get_object().get(obj) == simdjson::SUCCESS) {
      fill_setting(obj, sql(), facts().setting);  // ALTER DATABASE ... SET
    } else if (tree::is_container(value)) {
      walk(value);  // columns, constraints (REFERENCES t), LIKE t, INHERITS, defaults
    }
    if (failed_) return;
  }
}

void TreeWalk::on_create_index(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.ddl.object = ObjectType::kIndex;
  std::string_view name = tree::string_member(body, "idxname");
  if (!name.empty()) add_name(f.ddl.objects, {}, {}, name);
  for (auto field : body) {
    object rel;
    if (field.key == "relation" && field.value.get_object().get(rel) == simdjson::SUCCESS) {
      range_var(rel, Access::kWrite);  // the indexed table
    } else if (tree::is_container(field.value)) {
      walk(field.value);  // index expressions, partial-index predicate
    }
    if (failed_) return;
  }
}

void TreeWalk::on_create_table_as(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.create_table_as = true;
  if (ObjectType t = object_type_of(body); t != ObjectType::kNone) f.ddl.object = t;
  object into, rel;
  if (tree::object_member(body, "into", into) && tree::object_member(into, "rel", rel)) {
    range_var(rel, Access::kWrite);
    add_range_var_name(f.ddl.objects, rel);
    f.ddl.temporary = tree::string_member(rel, "relpersistence") == "t";
  }
  element query;
  if (!tree::member(body, "query", query)) return;
  object select;
  if (tree::node_of_type(query, "SelectStmt", select)) {
    walk(query);
  } else {
    nested_statement(query, NestedOrigin::kQuery, true);  // CREATE TABLE x AS EXECUTE p
  }
}

void TreeWalk::on_create_function(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.routine.is_procedure = tree::bool_member(body, "is_procedure");
  f.ddl.object = f.routine.is_procedure ? ObjectType::kProcedure : ObjectType::kFunction;
  f.ddl.or_replace = tree::bool_member(body, "replace");
  array parts;
  if (tree::array_member(body, "funcname", parts)) add_name_list(f.ddl.objects, parts);
  array options;
  if (tree::array_member(body, "options", options)) {
    for (element opt : options) {
      object def;
      element arg;
      if (!tree::node_of_type(opt, "DefElem", def) || !tree::member(def, "arg", arg)) continue;
      std::string_view name = tree::string_member(def, "defname");
      std::string_view lang;
      object boolean;
      if (name == "language" && tree::string_node(arg, lang)) {
        f.routine.language.assign(lang);
        for (char& c : f.routine.language) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
      } else if (name == "security" && tree::node_of_type(arg, "Boolean", boolean)) {
        f.routine.security_definer = tree::bool_member(boolean, "boolval");
      }
    }
  }
  walk_member(body, "parameters");  // parameter defaults
  // BEGIN ATOMIC ... END: parsed statements that run when the function is called, not now.
  element sql_body;
  if (tree::member(body, "sql_body", sql_body)) {
    nested_statements(sql_body, NestedOrigin::kRoutineBody, false);
  }
}

void TreeWalk::on_create_schema(object body, const StatementRule&) {
  DdlFacts& d = facts().ddl;
  std::string_view name = tree::string_member(body, "schemaname");
  object role;
  if (name.empty() && tree::object_member(body, "authrole", role)) name = role_spec_name(role);
  if (!name.empty()) add_name(d.objects, {}, {}, name);
  element elements;
  if (tree::member(body, "schemaElts", elements)) {
    nested_statements(elements, NestedOrigin::kSchemaElement, true);
  }
}

void TreeWalk::on_rule(object body, const StatementRule&) {
  StatementFacts& f = facts();
  add_name(f.ddl.objects, {}, {}, tree::string_member(body, "rulename"));
  f.ddl.or_replace = tree::bool_member(body, "replace");
  object rel;
  if (tree::object_member(body, "relation", rel)) range_var(rel, Access::kWrite);
  walk_member(body, "whereClause");
  // The actions run later, whenever the rule fires.
  element actions;
  if (tree::member(body, "actions", actions)) {
    nested_statements(actions, NestedOrigin::kRuleAction, false);
  }
}

void TreeWalk::on_drop(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.ddl.object = object_type_of(body);
  f.ddl.cascade = cascade_of(body);
  array objects;
  if (!tree::array_member(body, "objects", objects)) return;
  const bool relations = is_relation_object(f.ddl.object);
  for (element o : objects) {
    add_object_name(f.ddl.objects, o);
    if (relations) add_object_name(f.relations_written, o);
  }
}

void TreeWalk::on_rename(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.ddl.object = object_type_of(body);
  std::string_view old_name = tree::string_member(body, "subname");
  if (f.ddl.object == ObjectType::kRole) {
    f.kind = StatementKind::kRoleManagement;
    add_name(f.ddl.objects, {}, {}, old_name);
    return;
  }
  object rel;
  element obj;
  if (tree::object_member(body, "relation", rel)) {
    // RENAME of a table, or of a column, constraint, trigger, rule or policy on it.
    range_var(rel, Access::kWrite);
    add_range_var_name(f.ddl.objects, rel);
  } else if (tree::member(body, "object", obj)) {
    add_object_name(f.ddl.objects, obj);
  } else if (!old_name.empty()) {
    add_name(f.ddl.objects, {}, {}, old_name);  // schemas, databases, tablespaces, ...
  }
}

namespace {

void add_grantees(std::vector<std::string>& out, object body, std::string_view key) {
  array roles;
  if (!tree::array_member(body, key, roles)) return;
  for (element r : roles) {
    object spec;
    if (tree::node_of_type(r, "RoleSpec", spec)) out.emplace_back(role_spec_name(spec));
  }
}

void grant_facts(object grant, StatementFacts& f) {
  f.ddl.verb = tree::bool_member(grant, "is_grant") ? DdlVerb::kGrant : DdlVerb::kRevoke;
  f.ddl.object = object_type_from(tree::string_member(grant, "objtype"));
  f.ddl.cascade = cascade_of(grant);
  f.all = tree::string_member(grant, "targtype") == "ACL_TARGET_ALL_IN_SCHEMA";
  add_grantees(f.ddl.grantees, grant, "grantees");
}

}  // namespace

void TreeWalk::on_grant(object body, const StatementRule&) {
  StatementFacts& f = facts();
  grant_facts(body, f);
  array objects;  // tables (RangeVar), schemas, functions, ...: named, not read
  if (tree::array_member(body, "objects", objects)) {
    for (element o : objects) add_object_name(f.ddl.objects, o);
  }
}

void TreeWalk::on_grant_role(object body, const StatementRule&) {
  StatementFacts& f = facts();
  f.ddl.verb = tree::bool_member(body, "is_grant") ? DdlVerb::kGrant : DdlVerb::kRevoke;
  f.ddl.object = ObjectType::kRole;
  f.ddl.cascade = cascade_of(body);
  array granted;
  if (tree::array_member(body, "granted_roles", granted)) {
    for (element r : granted) add_object_name(f.ddl.objects, r);
  }
  add_grantees(f.ddl.grantees, body, "grantee_roles");
}

void TreeWalk::on_default_privileges(object body, const StatementRule&) {
  object action;
  if (tree::object_member(body, "action", action)) grant_facts(action, facts());
}

void TreeWalk::on_role(object body, const StatementRule&) {
  StatementFacts& f = facts();
  element role;
  if (tree::member(body, "role", role)) {
    std::string_view name;
    object spec;
    if (role.get_string().get(name) == simdjson::SUCCESS) {
      add_name(f.ddl.objects, {}, {}, name);  // CREATE ROLE name
    } else if (role.get_object().get(spec) == simdjson::SUCCESS) {
      add_name(f.ddl.objects, {}, {}, role_spec_name(spec));  // ALTER ROLE <RoleSpec>
    }
  }
  array roles;  // DROP ROLE a, b; DROP OWNED BY a; REASSIGN OWNED BY a
  if (tree::array_member(body, "roles", roles)) {
    for (element r : roles) add_object_name(f.ddl.objects, r);
  }
  object set;
  if (tree::object_member(body, "setstmt", set)) fill_setting(set, sql(), f.setting);
}

}  // namespace gh::sql
