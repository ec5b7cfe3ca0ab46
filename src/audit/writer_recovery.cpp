#include "audit/writer_recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "audit/control_records.h"
#include "audit/reader.h"

namespace gh::audit {
namespace {

Status io(const std::string& what, const std::string& path, int err) {
  return Status::Io("audit: cannot recover segment " + path + ": " + what + ": " +
                    std::strerror(err));
}

Status pwrite_all(int fd, const char* p, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::Io(std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

// Copies bytes [from, to) of `fd` to a new file `dst`.
Status save_range(int fd, uint64_t from, uint64_t to, const std::string& dst) {
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return Status::Io(std::strerror(errno));
  std::string buf(1 << 16, '\0');
  Status s;
  for (uint64_t off = from; off < to && s.ok();) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), to - off));
    ssize_t r = ::pread(fd, buf.data(), n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      s = Status::Io(r < 0 ? std::strerror(errno) : "file shrank");
      break;
    }
    s = pwrite_all(out, buf.data(), static_cast<size_t>(r), off - from);
    off += static_cast<uint64_t>(r);
  }
  if (s.ok() && ::fsync(out) != 0) s = Status::Io(std::strerror(errno));
  ::close(out);
  return s;
}

}  // namespace

Result<StreamTail> recover_stream_tail(const std::string& path, uint32_t stream, uint64_t segment,
                                       int64_t now_ns) {
  auto opened = SegmentReader::open_file(path);
  if (!opened.ok()) return opened.status();
  SegmentReader& reader = **opened;
  SegmentHeader header;
  Status hs = reader.read_header(&header);
  auto refuse = [&](const std::string& why) {
    return Status::Corruption("audit: cannot continue stream " + std::to_string(stream) +
                              ": its last segment " + path + " " + why +
                              "; run `gatehouse audit verify`, then move the file aside");
  };
  if (!hs.ok()) return refuse("has a bad header (" + hs.message() + ")");
  if (header.stream != stream || header.segment != segment) {
    return refuse("has a header for stream " + std::to_string(header.stream) + " segment " +
                  std::to_string(header.segment));
  }

  StreamTail tail;
  tail.last_seq = header.first_seq - 1;
  tail.last_hash = header.prev_hash;
  tail.last_record_segment = segment > 0 ? segment - 1 : 0;
  uint64_t valid_end = kSegmentHeaderSize;
  bool closed = false;
  RecordView r;
  while (reader.next(&r)) {
    if (closed || r.seq != tail.last_seq + 1 ||
        chain_hash(tail.last_hash, r.type, r.seq, r.time_ns, r.payload) != r.hash) {
      break;  // not a continuation of the chain: treated like a torn tail
    }
    tail.last_seq = r.seq;
    tail.last_hash = r.hash;
    tail.last_record_segment = segment;
    valid_end = r.offset + r.size;
    closed = r.type == RecordType::kSegmentClose;
  }
  auto trailing = reader.scan_trailing(valid_end);
  if (!trailing.ok()) return trailing.status();
  if (trailing->end > valid_end) tail.bytes_dropped = trailing->end - valid_end;
  const uint64_t file_size = reader.file_size();
  opened->reset();

  if (closed && tail.bytes_dropped == 0 && file_size == valid_end) return tail;

  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io("open", path, errno);
  if (tail.bytes_dropped > 0) {
    Status s = save_range(fd, valid_end, trailing->end, path + ".torn");
    if (!s.ok()) {
      ::close(fd);
      return Status::Io("audit: cannot save the torn tail of " + path + " to " + path +
                        ".torn: " + s.message());
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(valid_end)) != 0) {
    int e = errno;
    ::close(fd);
    return io("truncate", path, e);
  }
  if (!closed) {
    SegmentClose c{segment, tail.last_seq, hash_hex(tail.last_hash)};
    ChainHash h;
    std::string rec = encode_record(tail.last_hash, RecordType::kSegmentClose, tail.last_seq + 1,
                                    now_ns, encode_segment_close(c), &h);
    Status s = pwrite_all(fd, rec.data(), rec.size(), valid_end);
    if (!s.ok()) {
      ::close(fd);
      return Status::Io("audit: cannot recover segment " + path + ": write: " + s.message());
    }
    tail.last_seq += 1;
    tail.last_hash = h;
    tail.last_record_segment = segment;
  }
  tail.crashed = true;  // not closed, or bytes after its close record
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return io("fsync", path, e);
  }
  ::close(fd);
  return tail;
}

}  // namespace gh::audit
