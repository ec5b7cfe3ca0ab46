// Names as the parse tree spells them: qualified names from String lists, object names in
// DROP/COMMENT/GRANT lists, role specs.

#include <array>
#include <string>

#include "sql/tree_walk.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

void add_name(std::vector<QualifiedName>& names, std::string_view catalog, std::string_view schema,
              std::string_view name) {
  for (const auto& n : names) {
    if (n.name == name && n.schema == schema && n.catalog == catalog) return;
  }
  names.push_back(QualifiedName{std::string(catalog), std::string(schema), std::string(name)});
}

void add_name_list(std::vector<QualifiedName>& names, array parts) {
  // [catalog.][schema.]name: the last three parts (more is a parser-rejected name anyway).
  std::array<std::string_view, 3> last{};
  size_t count = 0;
  for (element part : parts) {
    std::string_view s;
    if (!tree::string_node(part, s)) continue;
    last[0] = last[1];
    last[1] = last[2];
    last[2] = s;
    ++count;
  }
  if (count == 0) return;
  if (count == 1) last[1] = {};
  if (count <= 2) last[0] = {};
  add_name(names, last[0], last[1], last[2]);
}

std::string_view role_spec_name(object role_spec) {
  std::string_view type = tree::string_member(role_spec, "roletype");
  if (type == "ROLESPEC_CURRENT_ROLE") return "current_role";
  if (type == "ROLESPEC_CURRENT_USER") return "current_user";
  if (type == "ROLESPEC_SESSION_USER") return "session_user";
  if (type == "ROLESPEC_PUBLIC") return "public";
  return tree::string_member(role_spec, "rolename");
}

void add_object_name(std::vector<QualifiedName>& names, element node) {
  std::string_view type;
  object body;
  if (!tree::as_node(node, type, body)) return;
  array parts;
  if (type == "String") {
    add_name(names, {}, {}, tree::string_member(body, "sval"));
  } else if (type == "List") {
    if (tree::array_member(body, "items", parts)) add_name_list(names, parts);
  } else if (type == "ObjectWithArgs") {
    if (tree::array_member(body, "objname", parts)) add_name_list(names, parts);
  } else if (type == "TypeName") {
    if (tree::array_member(body, "names", parts)) add_name_list(names, parts);
  } else if (type == "RangeVar") {
    add_name(names, tree::string_member(body, "catalogname"),
             tree::string_member(body, "schemaname"), tree::string_member(body, "relname"));
  } else if (type == "RoleSpec") {
    add_name(names, {}, {}, role_spec_name(body));
  } else if (type == "AccessPriv") {
    add_name(names, {}, {}, tree::string_member(body, "priv_name"));
  } else if (type == "Integer") {  // a large object's oid
    add_name(names, {}, {}, std::to_string(tree::int_member(body, "ival")));
  }
}

}  // namespace gh::sql
