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

#include "common/histogram.h"
#include "audit/control_records.h"  // Checkpoint
#include "audit/format.h"
#include "audit/segment_file.h"  // FaultHook
#include "common/status.h"

namespace gh::audit {

class Signer;  // audit/signer.h: Ed25519 checkpoint signing

struct WriterOptions {
  std::string dir;                       // <data_dir>/audit; stream files go in <dir>/stream-<id>/
  uint32_t stream = 0;                   // io thread index
  uint64_t segment_bytes = 64ull << 20;  // preallocated size; rotate when full (>= 4096)
  std::chrono::milliseconds checkpoint_interval{5000};
  Signer* signer = nullptr;  // required
  // Called on the writer's thread with every checkpoint written (to store it), once the
  // record it signs is durable. Keep it cheap: queue the store write.
  std::function<void(const Checkpoint&)> on_checkpoint;

  // Segments whose records are all older than this are removed by tick() (checked once a
  // minute), leaving a prune record. 0: keep everything.
  std::chrono::seconds retention{0};
  // How often the syncer makes appended records durable when nobody asks.
  std::chrono::milliseconds sync_interval{5};
  // Wait for another process holding the stream's lock instead of failing (admin stream).
  bool wait_for_lock = false;
  // Tests only: make file operations fail as if the system had.
  FaultHook inject_fault;
};

struct PruneResult {
  uint64_t segments_removed = 0;
  uint64_t through_segment = 0;  // meaningful when segments_removed > 0
};

class StreamWriter {
 public:
  // Opens the stream: continues after its last segment (recovering a torn tail left by
  // a crash: the partial record is cut off and a recovery record notes how many bytes),
  // or starts it. Always continues in a new segment linked by hash. Io on any filesystem
  // problem; Unavailable when another process writes the stream (its LOCK is held).
  static Result<std::unique_ptr<StreamWriter>> open(const WriterOptions& opts);
  // Stops the syncer after a last sync. Does not seal the segment: without close() the
  // next open() treats it like a crash (recovery record).
  virtual ~StreamWriter() = default;

  // Appends one record and returns its seq. Not thread-safe: call from the owning io
  // thread only. Io when the record cannot be written (disk full, I/O error, directory
  // removed); the writer then keeps failing until healthy() says it recovered, and
  // callers must refuse what they were about to do (fail closed). Invalid for a payload
  // too large for a segment (the writer stays healthy).
  virtual Result<uint64_t> append(RecordType type, int64_t time_ns,
                                  std::string_view payload_json) = 0;

  // Writes a signed checkpoint record if the interval has passed (call on the io thread
  // regularly, e.g. from a 1 s timer); also tries to recover from a failed state, checks
  // that the segment file is still there (every 500 ms), hands durable checkpoints to
  // on_checkpoint and applies retention.
  virtual void tick(int64_t now_ns) = 0;
  // Seals the current segment (close record + checkpoint) — at shutdown.
  virtual Status close() = 0;

  // Removes the stream's oldest closed segments whose records are all older than
  // `older_than_ns` (judged by the next segment's creation time), after appending a prune
  // record that carries the removed chain's last hash. Writer thread only.
  virtual Result<PruneResult> prune(int64_t older_than_ns) = 0;

  virtual bool healthy() const = 0;
  virtual const std::string& last_error() const = 0;
  virtual uint64_t last_seq() const = 0;
  virtual uint64_t segment() const = 0;  // number of the segment being written

  // Durability, usable from any thread. Requests that everything appended up to `seq`
  // be made durable; `done(ok)` is called from the syncer thread when it is (the caller
  // posts back to its own thread). Requests made while a sync runs are grouped.
  // done(false) when the records could not be made durable (the writer failed).
  virtual void request_sync(uint64_t seq, std::function<void(bool ok)> done) = 0;
  virtual uint64_t durable_seq() const = 0;
  // Makes everything appended so far durable now, on the calling (writer) thread; false
  // if it could not. Lets an io thread group-commit its own sessions without a hop to
  // the syncer thread.
  virtual bool sync_now() = 0;

  // For /metrics (any thread): how long making records durable takes (msync / fdatasync of
  // the new bytes), and how many appends and syncs failed.
  static constexpr double kSyncBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                           0.01,   0.025,   0.05,   0.1,   0.5};
  const Histogram& sync_seconds() const { return sync_seconds_; }
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 protected:
  Histogram sync_seconds_{kSyncBounds};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace gh::audit
