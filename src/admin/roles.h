#pragma once

// Admin API roles. A principal holds a role when one of its groups is listed for that role
// under admin.roles; roles do not imply each other (an admin is listed as admin).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace gh::admin {

enum class Role : uint8_t { kAdmin = 1, kApprover = 2, kAuditor = 4 };

// A set of roles (bits of Role).
class RoleSet {
 public:
  RoleSet() = default;
  RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) add(r);
  }
  void add(Role r) { bits_ |= static_cast<uint8_t>(r); }
  bool has(Role r) const { return (bits_ & static_cast<uint8_t>(r)) != 0; }
  bool any_of(RoleSet wanted) const { return (bits_ & wanted.bits_) != 0; }
  bool empty() const { return bits_ == 0; }
  // "admin, auditor"
  std::string names() const;

 private:
  uint8_t bits_ = 0;
};

std::string_view role_name(Role r);

RoleSet roles_of(const std::vector<std::string>& groups, const config::AdminRoles& roles);

}  // namespace gh::admin
