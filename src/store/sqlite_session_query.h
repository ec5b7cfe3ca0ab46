#pragma once

#include <string>

namespace gh::store {

// The SELECT behind StateStore::list_sessions for one combination of filters. Parameters:
// ?1 since_ns, ?2 until_ns (INT64_MAX for "no bound"), ?3 limit, then ?4 principal and/or
// ?5 connection when filtered. Exposed so a test can check that each combination is answered
// from an index rather than a scan of the table.
std::string sessions_list_sql(bool by_principal, bool by_connection);

// The columns every sessions query reads, in the order SqliteStore reads them.
inline constexpr const char* kSessionColumns =
    "session_id, principal, principal_kind, groups, connection, client, user_name, "
    "application_name, tls, started_ns, ended_ns, end_reason, statements, stream, start_seq";

}  // namespace gh::store
