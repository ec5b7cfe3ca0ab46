#pragma once

// Opening the audit streams for `serve`: the signing key (created on first start),
// one stream writer per io thread, checkpoints copied into the state store, and the
// config.loaded record.

#include <memory>
#include <vector>

#include "audit/signer.h"
#include "audit/writer.h"
#include "common/status.h"
#include "config/config.h"
#include "store/state_store.h"

namespace gh::app {

struct AuditStreams {
  std::unique_ptr<audit::Signer> signer;
  std::vector<std::unique_ptr<audit::StreamWriter>> writers;  // index = io thread

  std::vector<audit::StreamWriter*> raw() const {
    std::vector<audit::StreamWriter*> out;
    for (const auto& w : writers) out.push_back(w.get());
    return out;
  }
};

// Loads the signing key, generating it (0600, with its .pub) if it does not exist yet.
Result<std::unique_ptr<audit::Signer>> load_or_create_signer(const config::Config& cfg,
                                                             bool* created);

Result<AuditStreams> open_audit_streams(const config::Config& cfg, int threads,
                                        std::shared_ptr<store::StateStore> store);

store::AuditCheckpoint to_store_checkpoint(const audit::Checkpoint& c);
audit::Checkpoint from_store_checkpoint(const store::AuditCheckpoint& c);

// Records key.created / key.revoked on the admin stream (CLI processes).
Status record_key_event(const config::Config& cfg, store::StateStore& st, audit::RecordType type,
                        const store::ApiKey& key);

}  // namespace gh::app
