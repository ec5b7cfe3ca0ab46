#pragma once

// Records written by short-lived CLI processes (`keys create` writes key.created, `keys
// revoke` key.revoked) go to their own stream, kAdminStream, so they never contend with
// the gateway's io-thread streams. Several CLI processes may run at once: the stream's
// flock serialises them (open() waits for it). Each process appends to a new small
// segment and seals it, so the stream verifies like any other.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "audit/writer.h"

namespace gh::audit {

class AdminStreamWriter {
 public:
  // Waits for the admin stream's lock, then opens it (as StreamWriter::open).
  static Result<std::unique_ptr<AdminStreamWriter>> open(
      const std::string& dir, Signer* signer,
      std::function<void(const Checkpoint&)> on_checkpoint = {});
  // Seals the segment if close() was not called.
  ~AdminStreamWriter();

  Result<uint64_t> append(RecordType type, int64_t time_ns, std::string_view payload_json);
  // Seals the segment (durable when it returns) and hands its checkpoint to on_checkpoint;
  // then releases the lock.
  Status close();

 private:
  explicit AdminStreamWriter(std::unique_ptr<StreamWriter> w) : w_(std::move(w)) {}
  std::unique_ptr<StreamWriter> w_;
};

// One record in one call: open, append, close.
Result<uint64_t> append_admin_record(const std::string& dir, Signer* signer, RecordType type,
                                     int64_t time_ns, std::string_view payload_json,
                                     std::function<void(const Checkpoint&)> on_checkpoint = {});

}  // namespace gh::audit
