#include "admin/roles.h"

#include <algorithm>

namespace gh::admin {

namespace {

bool shares_a_group(const std::vector<std::string>& groups, const std::vector<std::string>& role) {
  return std::any_of(groups.begin(), groups.end(), [&](const std::string& g) {
    return std::find(role.begin(), role.end(), g) != role.end();
  });
}

}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kApprover:
      return "approver";
    case Role::kAuditor:
      return "auditor";
  }
  return "?";
}

std::string RoleSet::names() const {
  std::string out;
  for (Role r : {Role::kAdmin, Role::kApprover, Role::kAuditor}) {
    if (!has(r)) continue;
    if (!out.empty()) out += " or ";
    out += role_name(r);
  }
  return out;
}

RoleSet roles_of(const std::vector<std::string>& groups, const config::AdminRoles& roles) {
  RoleSet set;
  if (shares_a_group(groups, roles.admin)) set.add(Role::kAdmin);
  if (shares_a_group(groups, roles.approver)) set.add(Role::kApprover);
  if (shares_a_group(groups, roles.auditor)) set.add(Role::kAuditor);
  return set;
}

}  // namespace gh::admin
