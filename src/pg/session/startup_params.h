#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pg/protocol/startup.h"

namespace gh::pg {

// The client startup parameters passed on to the server: only an allow-list of
// harmless session settings. `user`, `database`, `options`, `role`,
// `session_authorization`, `replication` and anything unknown are dropped, since
// they could change identity, privileges or the server's mode.
std::vector<std::pair<std::string, std::string>> forwarded_startup_params(const StartupPacket& p);

bool is_forwarded_startup_param(std::string_view name);

}  // namespace gh::pg
