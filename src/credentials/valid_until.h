#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace gh::credentials {

// VALID UNTIL literal for CREATE ROLE: UTC ISO-8601 with an explicit offset,
// "2024-05-01T12:34:56+00", so the server's TimeZone setting cannot shift it.
std::string format_valid_until(int64_t unix_seconds);

inline constexpr int64_t kValidForever = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kValidNever = std::numeric_limits<int64_t>::min();

// pg_roles.rolvaliduntil as text (timestamptz output, DateStyle ISO):
// "2024-05-01 12:34:56[.ffffff]+00[:MM[:SS]]", "infinity" or "-infinity" (kValidForever /
// kValidNever). Returns unix seconds (fraction dropped) or nullopt for anything else, so
// the sweeper leaves a role it cannot read alone.
std::optional<int64_t> parse_valid_until(std::string_view text);

}  // namespace gh::credentials
