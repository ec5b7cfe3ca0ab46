#include "credentials/sweep_plan.h"

#include "credentials/role_name.h"
#include "credentials/valid_until.h"

namespace gh::credentials {

std::vector<std::string> roles_to_sweep(const std::vector<RoleRow>& rows,
                                        std::string_view instance_id,
                                        const std::unordered_set<std::string>& live,
                                        int64_t now_unix_s, std::chrono::seconds grace) {
  std::vector<std::string> out;
  for (const RoleRow& row : rows) {
    auto parts = parse_ephemeral_role_name(row.name);
    if (!parts || live.contains(row.name)) continue;
    if (parts->instance_id == instance_id) {
      out.push_back(row.name);
      continue;
    }
    if (!row.valid_until) continue;
    std::optional<int64_t> until = parse_valid_until(*row.valid_until);
    if (!until || *until == kValidForever) continue;
    // Compare as "now - grace > until" without overflowing at kValidNever.
    if (*until == kValidNever || now_unix_s - grace.count() > *until) out.push_back(row.name);
  }
  return out;
}

}  // namespace gh::credentials
