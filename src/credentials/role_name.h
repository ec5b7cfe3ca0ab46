#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::credentials {

// Ephemeral backend roles are named "gh_<instance_id>_<session_id>": the prefix lets the
// sweeper find them after a crash, the instance id tells whose they are, and the whole name
// is a valid unquoted PostgreSQL identifier of at most 63 bytes (longer names would be
// truncated by the server, silently naming a different role).
inline constexpr size_t kMaxIdentifierBytes = 63;
inline constexpr size_t kSessionIdLength = 16;
inline constexpr std::string_view kRolePrefix = "gh_";
// 63 - "gh_" - "_" - 16 hex.
inline constexpr size_t kMaxInstanceIdLength = kMaxIdentifierBytes - 3 - 1 - kSessionIdLength;

// 1..43 lowercase hex digits.
bool is_valid_instance_id(std::string_view id);
// Exactly 16 lowercase hex digits.
bool is_valid_session_id(std::string_view id);

Result<std::string> ephemeral_role_name(std::string_view instance_id, std::string_view session_id);

struct EphemeralRoleName {
  std::string_view instance_id;
  std::string_view session_id;
};
// The parts of a name made by ephemeral_role_name (views into `name`); nullopt for any
// other role, so operator roles that merely start with "gh_" are never touched.
std::optional<EphemeralRoleName> parse_ephemeral_role_name(std::string_view name);

}  // namespace gh::credentials
