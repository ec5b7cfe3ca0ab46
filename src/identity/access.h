#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "identity/principal.h"

namespace gh::identity {

// The access rule that lets `who` open `connection`: the first rule, in file order, for that
// connection whose groups include one of the principal's groups or whose principals name its
// subject (an API key's name, a token's subject). nullptr: deny (the default).
const config::AccessRule* find_access_rule(const std::vector<config::AccessRule>& rules,
                                           const Principal& who, std::string_view connection);

// What the client is told when no rule matches (SQLSTATE 28000): names the principal and the
// connection it asked for, never the connections it may use instead.
std::string access_denied_message(const Principal& who, std::string_view connection);

}  // namespace gh::identity
