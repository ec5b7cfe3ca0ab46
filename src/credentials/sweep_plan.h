#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace gh::credentials {

// One row of the sweeper's candidate query: rolname, rolvaliduntil as text (nullopt = NULL).
struct RoleRow {
  std::string name;
  std::optional<std::string> valid_until;
};

// The leftover roles to drop, in row order:
//  - this instance's ephemeral roles that are not live (their session is gone), and
//  - any instance's ephemeral roles whose VALID UNTIL passed more than `grace` ago.
// Only names made by ephemeral_role_name qualify; live roles are never dropped, even
// expired ones (VALID UNTIL ends logins, not sessions). A role without a readable VALID
// UNTIL (NULL, infinity, other output) is another instance's business and is kept.
std::vector<std::string> roles_to_sweep(const std::vector<RoleRow>& rows,
                                        std::string_view instance_id,
                                        const std::unordered_set<std::string>& live,
                                        int64_t now_unix_s, std::chrono::seconds grace);

}  // namespace gh::credentials
