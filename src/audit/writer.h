#pragma once

// The audit writer: one append-only stream of segment files per io thread, so
// appending takes no lock. See audit/format.h for the bytes on disk.
//
// Durability: append() copies the framed record into the segment file's shared
// mapping, so it is in the page cache (and survives a kill -9 of gatehouse) when
// append() returns, with no syscall. A Syncer thread makes it durable (msync /
// fdatasync) every few milliseconds, or at once when a strict-mode caller asks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "audit/format.h"
#include "common/status.h"

namespace gh::audit {

class Signer;  // audit/signer.h: Ed25519 checkpoint signing

// A signed checkpoint, also kept in the state store.
struct Checkpoint {
  uint32_t stream = 0;
  uint64_t segment = 0;
  uint64_t seq = 0;
  std::string hash_hex;  // chain hash of record `seq`
  int64_t time_ns = 0;
  std::string signature_b64;  // Ed25519 over the canonical text of the fields above
};

struct WriterOptions {
  std::string dir;          // <data_dir>/audit; stream files go in <dir>/stream-<id>/
  uint32_t stream = 0;      // io thread index
  uint64_t segment_bytes = 64ull << 20;  // preallocated size; rotate when full
  std::chrono::milliseconds checkpoint_interval{5000};
  Signer* signer = nullptr;  // required
  // Called on the writer's thread with every checkpoint written (to store it).
  std::function<void(const Checkpoint&)> on_checkpoint;
};

class StreamWriter {
 public:
  // Opens the stream: continues after its last segment (recovering a torn tail left by
  // a crash: the partial record is cut off and a recovery record notes how many bytes),
  // or starts it. Io on any filesystem problem.
  static Result<std::unique_ptr<StreamWriter>> open(const WriterOptions& opts);
  virtual ~StreamWriter() = default;

  // Appends one record and returns its seq. Not thread-safe: call from the owning io
  // thread only. Io when the record cannot be written (disk full, I/O error, directory
  // removed); the writer then keeps failing until healthy() says it recovered, and
  // callers must refuse what they were about to do (fail closed).
  virtual Result<uint64_t> append(RecordType type, int64_t time_ns,
                                  std::string_view payload_json) = 0;

  // Writes a signed checkpoint record if the interval has passed (call on the io thread
  // regularly, e.g. from a 1 s timer); also tries to recover from a failed state.
  virtual void tick(int64_t now_ns) = 0;
  // Seals the current segment (close record + checkpoint) — at shutdown.
  virtual Status close() = 0;

  virtual bool healthy() const = 0;
  virtual const std::string& last_error() const = 0;
  virtual uint64_t last_seq() const = 0;

  // Durability, usable from any thread. Requests that everything appended up to `seq`
  // be made durable; `done(ok)` is called from the syncer thread when it is (the caller
  // posts back to its own thread). Requests made while a sync runs are grouped.
  virtual void request_sync(uint64_t seq, std::function<void(bool ok)> done) = 0;
  virtual uint64_t durable_seq() const = 0;
};

}  // namespace gh::audit
