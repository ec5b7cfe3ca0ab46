#pragma once

// credential.granted / credential.revoked records for ephemeral backend roles: written by
// sessions (create, drop) and by the sweeper. Never the password or its verifier.

#include <string>
#include <string_view>

#include "audit/writer.h"

namespace gh::pg {

struct CredentialEvent {
  std::string_view session;  // "" for the sweeper
  std::string_view connection;
  std::string_view role;       // the ephemeral role
  std::string_view member_of;  // the rule's role ("" when unknown)
  std::string_view by;         // "sweeper", or "" for a session
  std::string_view error;      // "" when it worked
};

// Appends the record to `writer` (the calling io thread's stream); failures are logged.
void record_credential_event(audit::StreamWriter& writer, audit::RecordType type,
                             const CredentialEvent& e);

}  // namespace gh::pg
