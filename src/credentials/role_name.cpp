#include "credentials/role_name.h"

namespace gh::credentials {

namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool is_valid_instance_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxInstanceIdLength && is_lower_hex(id);
}

bool is_valid_session_id(std::string_view id) {
  return id.size() == kSessionIdLength && is_lower_hex(id);
}

Result<std::string> ephemeral_role_name(std::string_view instance_id, std::string_view session_id) {
  if (!is_valid_instance_id(instance_id)) {
    return Status::Invalid("invalid gatehouse instance id for ephemeral roles (want 1-" +
                           std::to_string(kMaxInstanceIdLength) + " lowercase hex digits)");
  }
  if (!is_valid_session_id(session_id)) {
    return Status::Invalid("invalid session id for an ephemeral role (want " +
                           std::to_string(kSessionIdLength) + " lowercase hex digits)");
  }
  std::string name;
  name.reserve(kRolePrefix.size() + instance_id.size() + 1 + session_id.size());
  name.append(kRolePrefix).append(instance_id).append(1, '_').append(session_id);
  return name;
}

std::optional<EphemeralRoleName> parse_ephemeral_role_name(std::string_view name) {
  if (name.size() > kMaxIdentifierBytes || !name.starts_with(kRolePrefix)) return std::nullopt;
  std::string_view rest = name.substr(kRolePrefix.size());
  if (rest.size() < kSessionIdLength + 2) return std::nullopt;  // "<inst>_<session>"
  std::string_view session = rest.substr(rest.size() - kSessionIdLength);
  std::string_view instance = rest.substr(0, rest.size() - kSessionIdLength - 1);
  if (rest[instance.size()] != '_') return std::nullopt;
  if (!is_valid_instance_id(instance) || !is_valid_session_id(session)) return std::nullopt;
  return EphemeralRoleName{instance, session};
}

}  // namespace gh::credentials
