#pragma once

#include <string>
#include <unordered_set>

// Ephemeral roles this process has created (or is creating) and not yet ended, across all
// RoleManagers. Roles are cluster-wide and several gatehouse connections may share one
// server and one instance id, so one manager's sweep must not take another's live roles.
// A role is added before its CREATE ROLE is sent and read after the sweeper lists the
// server's roles, so a role the sweeper can see is always here if it is live.
namespace gh::credentials::live_roles {

void add(const std::string& role);
void remove(const std::string& role);
// `extra` plus every role in the registry.
std::unordered_set<std::string> with(std::unordered_set<std::string> extra);

}  // namespace gh::credentials::live_roles
