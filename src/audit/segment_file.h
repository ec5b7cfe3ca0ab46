#pragma once

// The segment a writer appends to: a preallocated file mapped MAP_SHARED, so an append is
// a memcpy into the page cache (durable against a crash of the process the moment it
// returns) and msync makes it durable against a crash of the machine. Also the stream
// directory's lock file. Used by the writer only.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "audit/format.h"
#include "common/status.h"

namespace gh::audit {

// File operations a test can make fail (WriterOptions::inject_fault).
enum class FileOp { kCreate, kAllocate, kMap, kSync, kTruncate };
// Returns 0 to let the operation run, or an errno to fail it with.
using FaultHook = std::function<int(FileOp op, const std::string& path)>;

class ActiveSegment {
 public:
  // Prepares <stream_dir>/<segment>.seg as <name>.tmp: preallocates `capacity` bytes
  // (posix_fallocate: a full disk fails here, not later as SIGBUS on a page of the map),
  // maps it, writes and syncs the header. publish() then puts it in place. Io "audit:
  // cannot write segment <path>: <why>" on failure, and nothing is left behind.
  static Result<std::unique_ptr<ActiveSegment>> create(const std::string& stream_dir,
                                                       const SegmentHeader& header,
                                                       uint64_t capacity, const FaultHook& fault);
  ~ActiveSegment();  // unmaps and closes; the file stays as it is (a .tmp one is removed)
  ActiveSegment(const ActiveSegment&) = delete;
  ActiveSegment& operator=(const ActiveSegment&) = delete;

  // Renames the file into place and syncs the directory. Until then a crash leaves only
  // a .tmp file, which open() removes.
  Status publish();

  char* data() { return map_; }
  uint64_t capacity() const { return capacity_; }
  uint64_t number() const { return number_; }
  const std::string& path() const { return path_; }

  // msync(MS_SYNC) of bytes [from, to): on Linux the data and the metadata needed to read
  // it (fdatasync of the range). Io on failure.
  Status sync(uint64_t from, uint64_t to);
  // Maps the next pages from `from` on writable, ahead of the writer, so that its appends do not
  // fault (a page fault on the io thread costs more than the append). They still read as zeros,
  // as the preallocated file does. For the syncer, after a sync.
  void map_ahead(uint64_t from);
  // Cheap (fstat): Io when the file was unlinked (its directory removed, say).
  Status check_linked() const;
  // stat of the path: Io when the path is gone or names another file (renamed, replaced).
  Status check_path() const;
  // Syncs [0, used), unmaps, truncates the file to `used` bytes and fsyncs it.
  Status seal(uint64_t used);

 private:
  ActiveSegment() = default;
  Status fail(const std::string& what, int err) const;

  std::string path_;
  std::string dir_;
  uint64_t number_ = 0;
  int fd_ = -1;
  char* map_ = nullptr;
  uint64_t capacity_ = 0;
  uint64_t mapped_to_ = 0;  // map_ahead() has mapped [.., mapped_to_)
  uint64_t ino_ = 0;
  uint64_t dev_ = 0;
  bool published_ = false;
  FaultHook fault_;
};

// mkdir -p with mode 0700 for what it creates.
Status make_dirs(const std::string& path);
// fsync of a directory (after creating, renaming or removing an entry in it).
Status sync_dir(const std::string& path);

// An exclusive flock on <stream_dir>/LOCK held for the object's life: two processes never
// write one stream. `wait` blocks for the lock; otherwise a held lock is Unavailable.
class StreamLock {
 public:
  static Result<std::unique_ptr<StreamLock>> acquire(const std::string& stream_dir, bool wait);
  ~StreamLock();
  StreamLock(const StreamLock&) = delete;
  StreamLock& operator=(const StreamLock&) = delete;

 private:
  explicit StreamLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace gh::audit
