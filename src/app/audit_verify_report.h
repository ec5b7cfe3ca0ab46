#pragma once

// `gatehouse audit verify` as a function: the evidence bundle runs it too and keeps its
// report.

#include <cstdint>
#include <optional>
#include <string>

#include "app/audit_cli.h"

namespace gh::app {

struct VerifyOutcome {
  bool ok = false;
  // What `audit verify` prints: the summary when the log is intact, otherwise every
  // problem with its stream, segment and record. Ends with a newline.
  std::string text;
};

// Verifies the audit log under env.cfg.audit.dir with the public key
// (<audit.signing_key>.pub) and the checkpoints in env.store. `since_ns` limits the check
// to segments holding records at or after that time (and what links them).
VerifyOutcome run_audit_verify(AuditEnv& env, std::optional<int64_t> since_ns);

}  // namespace gh::app
