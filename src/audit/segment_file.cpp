#include "audit/segment_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gh::audit {
namespace {

int injected(const FaultHook& fault, FileOp op, const std::string& path) {
  return fault ? fault(op, path) : 0;
}

// What map_ahead() keeps mapped ahead of the writer: at 8k records/s of ~500 bytes, 60 ms of
// appends.
constexpr uint64_t kMapAhead = 256 * 1024;

uint64_t page_size() {
  static const uint64_t p = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

}  // namespace

Status make_dirs(const std::string& path) {
  if (path.empty()) return Status::Invalid("empty directory path");
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Io("audit: cannot create directory " + part + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::Io("audit: " + path + " is not a directory");
  }
  return Status::Ok();
}

Status sync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::Io("audit: cannot open directory " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return Status::Io("audit: cannot sync directory " + path + ": " + std::strerror(err));
  return Status::Ok();
}

Status ActiveSegment::fail(const std::string& what, int err) const {
  return Status::Io("audit: cannot write segment " + path_ + ": " + std::strerror(err) + " (" +
                    what + ")");
}

Result<std::unique_ptr<ActiveSegment>> ActiveSegment::create(const std::string& stream_dir,
                                                             const SegmentHeader& header,
                                                             uint64_t capacity,
                                                             const FaultHook& fault) {
  std::unique_ptr<ActiveSegment> seg(new ActiveSegment());
  seg->path_ = stream_dir + "/" + segment_file_name(header.segment);
  seg->number_ = header.segment;
  seg->capacity_ = capacity;
  seg->fault_ = fault;
  const std::string tmp = seg->path_ + ".tmp";
  auto undo = [&](const std::string& what, int err) {
    Status s = seg->fail(what, err);
    if (seg->map_ != nullptr) ::munmap(seg->map_, capacity);
    seg->map_ = nullptr;
    if (seg->fd_ >= 0) ::close(seg->fd_);
    seg->fd_ = -1;
    ::unlink(tmp.c_str());
    return s;
  };

  int err = injected(fault, FileOp::kCreate, seg->path_);
  if (err == 0) {
    seg->fd_ = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (seg->fd_ < 0) err = errno;
  }
  if (err != 0) return undo("creating the file", err);

  err = injected(fault, FileOp::kAllocate, seg->path_);
  if (err == 0) err = ::posix_fallocate(seg->fd_, 0, static_cast<off_t>(capacity));
  if (err != 0) {
    return undo("preallocating " + std::to_string(capacity) + " bytes", err);
  }

  err = injected(fault, FileOp::kMap, seg->path_);
  if (err == 0) {
    void* m = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, seg->fd_, 0);
    if (m == MAP_FAILED) {
      err = errno;
    } else {
      seg->map_ = static_cast<char*>(m);
      // Small pages and small page-cache folios, best effort. Linux maps a file with huge
      // (2 MB) entries when its page cache holds large folios; sync() unmapping part of such
      // an entry unmaps all of it, and writing back a large folio write-protects every page
      // of it, so the writer took page faults (each one preparing a whole large folio) on the
      // pages it was about to write: up to 11% of gatehouse's CPU under pgbench -S in perf
      // samples. MADV_RANDOM also keeps faults from allocating large folios by readahead.
      ::madvise(m, capacity, MADV_NOHUGEPAGE);
      ::madvise(m, capacity, MADV_RANDOM);
    }
  }
  if (err != 0) return undo("mapping the file", err);

  encode_segment_header(header, seg->map_);
  err = injected(fault, FileOp::kSync, seg->path_);
  if (err == 0 && ::msync(seg->map_, kSegmentHeaderSize, MS_SYNC) != 0) err = errno;
  if (err != 0) return undo("syncing the header", err);

  struct stat st {};
  if (::fstat(seg->fd_, &st) != 0) return undo("stat", errno);
  seg->ino_ = st.st_ino;
  seg->dev_ = st.st_dev;
  seg->dir_ = stream_dir;
  return seg;
}

Status ActiveSegment::publish() {
  const std::string tmp = path_ + ".tmp";
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail("renaming into place", errno);
  published_ = true;
  Status ds = sync_dir(dir_);
  if (!ds.ok()) return Status::Io("audit: cannot write segment " + path_ + ": " + ds.message());
  return Status::Ok();
}

ActiveSegment::~ActiveSegment() {
  if (map_ != nullptr) ::munmap(map_, capacity_);
  if (fd_ >= 0) ::close(fd_);
  if (!published_ && !path_.empty()) ::unlink((path_ + ".tmp").c_str());
}

Status ActiveSegment::sync(uint64_t from, uint64_t to) {
  if (map_ == nullptr) return Status::Io("audit: segment " + path_ + " is not mapped");
  if (to > capacity_) to = capacity_;
  if (from >= to) return Status::Ok();
  int err = injected(fault_, FileOp::kSync, path_);
  const uint64_t page = page_size();
  uint64_t start = from & ~(page - 1);  // msync wants a page-aligned address
  // Unmap the finished pages first (they stay in the page cache, dirty). Writing back a mapped
  // page write-protects it, and each takes a TLB shootdown on every CPU the process runs on:
  // on a VM an IPI that waits for the other vCPU, the costliest part of a sync. One madvise
  // is one shootdown for the whole range, and written pages are never touched again (it also
  // keeps the gateway's RSS from growing with the segment). The page holding `to` may be
  // being written right now: a read of it after the unmap would fault around it and map
  // finished pages again, so it stays mapped and msync write-protects it, the one page that
  // costs a shootdown of its own.
  const uint64_t full_end = to & ~(page - 1);
  if (err == 0 && full_end > start) ::madvise(map_ + start, full_end - start, MADV_DONTNEED);
  if (err == 0 && ::msync(map_ + start, to - start, MS_SYNC) != 0) err = errno;
  if (err != 0) return fail("syncing", err);
  return Status::Ok();
}

void ActiveSegment::map_ahead(uint64_t from) {
  if (map_ == nullptr || from >= capacity_) return;
  // Pages already mapped ahead stay mapped (sync() unmaps only finished ones): top the window
  // up only when less than half of it is left, so most syncs make no madvise call at all
  // (each call walks the whole range, mapped or not).
  if (mapped_to_ >= from + kMapAhead / 2 || mapped_to_ >= capacity_) return;
  const uint64_t page = page_size();
  const uint64_t start = std::max(from & ~(page - 1), mapped_to_);
  const uint64_t end = std::min<uint64_t>((from & ~(page - 1)) + kMapAhead, capacity_);
  // Best effort: before Linux 5.14 the writer faults the pages in itself.
  ::madvise(map_ + start, end - start, MADV_POPULATE_WRITE);
  mapped_to_ = end;
}

Status ActiveSegment::check_linked() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return fail("stat", errno);
  if (st.st_nlink == 0) {
    return Status::Io("audit: cannot write segment " + path_ +
                      ": the file was removed (is the audit directory gone?)");
  }
  return Status::Ok();
}

Status ActiveSegment::check_path() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return Status::Io("audit: cannot write segment " + path_ + ": " + std::strerror(errno) +
                      " (the file or its directory was removed)");
  }
  if (st.st_ino != ino_ || st.st_dev != dev_) {
    return Status::Io("audit: cannot write segment " + path_ +
                      ": the path now names another file (moved or replaced)");
  }
  return Status::Ok();
}

Status ActiveSegment::seal(uint64_t used) {
  Status s = sync(0, used);
  if (map_ != nullptr) ::munmap(map_, capacity_);
  map_ = nullptr;
  int err = injected(fault_, FileOp::kTruncate, path_);
  if (err == 0 && ::ftruncate(fd_, static_cast<off_t>(used)) != 0) err = errno;
  if (err == 0 && ::fsync(fd_) != 0) err = errno;
  if (err != 0 && s.ok()) s = fail("truncating to the used length", err);
  ::close(fd_);
  fd_ = -1;
  return s;
}

Result<std::unique_ptr<StreamLock>> StreamLock::acquire(const std::string& stream_dir, bool wait) {
  std::string path = stream_dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("audit: cannot open " + path + ": " + std::strerror(errno));
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable("audit: stream " + stream_dir +
                                 " is being written by another process (" + path + " is locked)");
    }
    return Status::Io("audit: cannot lock " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<StreamLock>(new StreamLock(fd));
}

StreamLock::~StreamLock() { ::close(fd_); }

}  // namespace gh::audit
