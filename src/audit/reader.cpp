#include "audit/reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "audit/crc32c.h"

namespace gh::audit {
namespace {

constexpr size_t kWindow = 1 << 20;

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

Status io_error(const std::string& what, const std::string& path) {
  return Status::Io(what + " " + path + ": " + std::strerror(errno));
}

// Directory entries: name and whether it is a directory (lstat: symlinks are not followed).
Result<std::vector<std::pair<std::string, bool>>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound("audit directory " + dir + " does not exist");
    return io_error("cannot list", dir);
  }
  std::vector<std::pair<std::string, bool>> out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) out.emplace_back(name, S_ISDIR(st.st_mode));
  }
  ::closedir(d);
  return out;
}

}  // namespace

Result<std::unique_ptr<SegmentReader>> SegmentReader::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = io_error("cannot stat", path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<SegmentReader>(
      new SegmentReader(fd, {}, static_cast<uint64_t>(st.st_size)));
}

std::unique_ptr<SegmentReader> SegmentReader::from_memory(std::string_view bytes) {
  return std::unique_ptr<SegmentReader>(new SegmentReader(-1, bytes, bytes.size()));
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string_view> SegmentReader::fetch(uint64_t off, size_t n) {
  if (off >= size_) return std::string_view();
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - off));
  if (fd_ < 0) return mem_.substr(off, n);
  if (off >= buf_off_ && off + n <= buf_off_ + buf_.size()) {
    return std::string_view(buf_).substr(off - buf_off_, n);
  }
  size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kWindow), size_ - off));
  buf_.resize(want);
  size_t got = 0;
  while (got < want) {
    ssize_t r = ::pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::Io(std::string("read error: ") + std::strerror(errno));
    if (r == 0) break;  // the file shrank under us
    got += static_cast<size_t>(r);
  }
  buf_.resize(got);
  buf_off_ = off;
  if (got < n) size_ = off + got;
  return std::string_view(buf_).substr(0, std::min(n, got));
}

Status SegmentReader::read_header(SegmentHeader* out) {
  auto bytes = fetch(0, kSegmentHeaderSize);
  if (!bytes.ok()) {
    status_ = bytes.status();
    done_ = true;
    return status_;
  }
  status_ = decode_segment_header(*bytes, out);
  if (!status_.ok()) {
    done_ = true;
    return status_;
  }
  header_ok_ = true;
  pos_ = kSegmentHeaderSize;
  return status_;
}

bool SegmentReader::next(RecordView* out) {
  if (done_) return false;
  if (!header_ok_) {
    done_ = true;
    status_ = Status::Internal("read_header() was not called");
    return false;
  }
  auto fail = [&](std::string msg) {
    done_ = true;
    detail_ = msg;
    status_ = Status::Corruption("record at offset " + std::to_string(pos_) + ": " + msg);
    return false;
  };
  auto head = fetch(pos_, kRecordHeaderSize);
  if (!head.ok()) {
    done_ = true;
    status_ = head.status();
    return false;
  }
  if (head->empty() || all_zero(*head)) {  // end of file, or the zero-filled rest
    done_ = true;
    return false;
  }
  if (head->size() < kRecordHeaderSize) {
    return fail("cut short: the file ends " + std::to_string(head->size()) +
                " bytes into a record header");
  }
  const char* h = head->data();
  const uint32_t stored_crc = load_le<uint32_t>(h);
  const uint32_t len = load_le<uint32_t>(h + 4);
  const auto type = static_cast<RecordType>(static_cast<uint8_t>(h[8]));
  const uint64_t seq = load_le<uint64_t>(h + 9);
  const int64_t time_ns = load_le<int64_t>(h + 17);
  if (len > kMaxPayload) {
    return fail("payload length " + std::to_string(len) + " exceeds the limit " +
                std::to_string(kMaxPayload));
  }
  const uint64_t total = record_size(len);
  if (pos_ + total > size_) {
    return fail("cut short: record of " + std::to_string(total) + " bytes but the file has " +
                std::to_string(size_ - pos_) + " left");
  }
  auto whole = fetch(pos_, static_cast<size_t>(total));
  if (!whole.ok()) {
    done_ = true;
    status_ = whole.status();
    return false;
  }
  if (whole->size() < total) return fail("cut short: the file shrank while being read");
  const uint32_t crc = crc32c::value(whole->data() + 4, total - 4);
  if (crc != stored_crc) {
    char buf[112];
    std::snprintf(buf, sizeof buf, "CRC mismatch (stored %08x, computed %08x; seq field %llu)",
                  stored_crc, crc, static_cast<unsigned long long>(seq));
    return fail(buf);
  }
  if (static_cast<uint8_t>(type) == 0) return fail("record type 0");
  out->seq = seq;
  out->type = type;
  out->time_ns = time_ns;
  out->payload = whole->substr(kRecordHeaderSize, len);
  std::memcpy(out->hash.data(), whole->data() + kRecordHeaderSize + len, kRecordHashSize);
  out->offset = pos_;
  out->size = total;
  pos_ += total;
  return true;
}

Result<SegmentReader::Trailing> SegmentReader::scan_trailing(uint64_t from) {
  Trailing t;
  for (uint64_t off = from; off < size_;) {
    auto chunk = fetch(off, kWindow);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    for (size_t i = 0; i < chunk->size(); ++i) {
      if ((*chunk)[i] != 0) {
        if (t.end == 0) t.first_nonzero = off + i;
        t.end = off + i + 1;
      }
    }
    off += chunk->size();
  }
  return t;
}

Result<StreamFiles> list_stream(const std::string& dir, uint32_t stream) {
  StreamFiles sf;
  sf.stream = stream;
  sf.dir = dir + "/" + stream_dir_name(stream);
  auto entries = list_dir(sf.dir);
  if (!entries.ok()) {
    if (entries.status().code() == Status::Code::kNotFound) return sf;
    return entries.status();
  }
  for (const auto& [name, is_dir] : *entries) {
    if (is_dir) continue;
    if (auto n = parse_segment_file_name(name)) sf.segments.push_back({*n, sf.dir + "/" + name});
  }
  std::sort(sf.segments.begin(), sf.segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.segment < b.segment; });
  return sf;
}

Result<std::vector<StreamFiles>> list_streams(const std::string& dir) {
  auto entries = list_dir(dir);
  if (!entries.ok()) return entries.status();
  std::vector<StreamFiles> out;
  for (const auto& [name, is_dir] : *entries) {
    if (!is_dir) continue;
    auto id = parse_stream_dir_name(name);
    if (!id) continue;
    auto sf = list_stream(dir, *id);
    if (!sf.ok()) return sf.status();
    out.push_back(std::move(sf).value());
  }
  std::sort(out.begin(), out.end(),
            [](const StreamFiles& a, const StreamFiles& b) { return a.stream < b.stream; });
  return out;
}

Status read_records(const std::string& dir, const ReadOptions& opts,
                    const std::function<bool(const RecordView&)>& fn) {
  std::vector<StreamFiles> streams;
  if (opts.stream) {
    auto sf = list_stream(dir, *opts.stream);
    if (!sf.ok()) return sf.status();
    streams.push_back(std::move(sf).value());
  } else {
    auto all = list_streams(dir);
    if (!all.ok()) return all.status();
    streams = std::move(all).value();
  }
  Status first_error;
  auto note = [&](const Status& s, const std::string& path) {
    if (first_error.ok())
      first_error =
          Status(s.code() == Status::Code::kIo ? Status::Io(path + ": " + s.message())
                                               : Status::Corruption(path + ": " + s.message()));
  };
  for (const StreamFiles& sf : streams) {
    for (const SegmentFile& seg : sf.segments) {
      auto reader = SegmentReader::open_file(seg.path);
      if (!reader.ok()) {
        note(reader.status(), seg.path);
        continue;
      }
      SegmentHeader header;
      Status hs = (*reader)->read_header(&header);
      if (!hs.ok()) {
        note(hs, seg.path);
        continue;
      }
      RecordView r;
      while ((*reader)->next(&r)) {
        if (opts.since_ns && r.time_ns < *opts.since_ns) continue;
        if (opts.until_ns && r.time_ns >= *opts.until_ns) continue;
        r.stream = sf.stream;
        r.segment = seg.segment;
        if (!fn(r)) return first_error;
      }
      if (!(*reader)->status().ok()) note((*reader)->status(), seg.path);
    }
  }
  return first_error;
}

}  // namespace gh::audit
