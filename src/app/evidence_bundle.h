#pragma once

// The evidence bundle an auditor asks for, for one period: the access log, the session trail,
// the approval ledger, the config, the verify report, and a manifest with the SHA-256 of every
// file. `gatehouse evidence` writes it into a folder; the admin API sends it as a tar archive.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "app/audit_cli.h"
#include "common/status.h"

namespace gh::app {

struct ManifestEntry {
  std::string name;
  std::string sha256;
  uint64_t bytes = 0;
  std::string description;
};

struct EvidenceBundle {
  std::vector<ManifestEntry> files;  // manifest.json aside
  std::string manifest_sha256;
  int64_t since_ns = 0;
  int64_t until_ns = 0;
  uint64_t records = 0;
  uint64_t session_starts = 0;
  uint64_t auth_failures = 0;
  uint64_t statements = 0;
  uint64_t review_events = 0;
  bool verified = false;  // the audit log verified over the period
  // Not ok when a damaged record stopped the reading: the bundle holds everything before it.
  Status read_status;
};

// Writes the bundle for `p` (both ends set) into `dir`, which must be new or empty.
Result<EvidenceBundle> write_evidence_bundle(AuditEnv& env, const Period& p,
                                             const std::filesystem::path& dir);

// The regular files of `dir` (not recursive), in name order, as a POSIX ustar archive whose
// entries are named `prefix/<file>`.
Result<std::string> tar_folder(const std::filesystem::path& dir, const std::string& prefix);

}  // namespace gh::app
