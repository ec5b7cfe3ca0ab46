#pragma once

// Reading audit segments. Built for files an attacker may have touched: every length is
// checked against kMaxPayload and against what the file holds before anything is
// allocated, files are read with pread() in bounded windows (never mapped, so a file
// truncated under the reader cannot raise SIGBUS), and nothing trusts a byte it has not
// checked. The reader checks framing and CRCs; the chain and everything else is verify's.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/format.h"
#include "common/status.h"

namespace gh::audit {

// One record as read. `payload` points into the reader's buffer: valid until the next
// call on the reader.
struct RecordView {
  uint32_t stream = 0;   // filled in by read_records(); 0 from a bare SegmentReader
  uint64_t segment = 0;  // idem
  uint64_t seq = 0;
  RecordType type{};
  int64_t time_ns = 0;
  std::string_view payload;
  ChainHash hash{};
  uint64_t offset = 0;  // of the record in its segment file
  uint64_t size = 0;    // framed size (record_size(payload.size()))
};

class SegmentReader {
 public:
  // Io if the file cannot be opened.
  static Result<std::unique_ptr<SegmentReader>> open_file(const std::string& path);
  // Over bytes the caller keeps alive (fuzzing, tests).
  static std::unique_ptr<SegmentReader> from_memory(std::string_view bytes);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  // Reads and checks the header; call first. Corruption says what is wrong.
  Status read_header(SegmentHeader* out);
  // The next record (framing and CRC checked), or false at the end of the records:
  // status() is ok at the clean end (zero fill or end of file) and Corruption, naming the
  // offset, at a bad record. After a false, next() keeps returning false.
  bool next(RecordView* out);
  const Status& status() const { return status_; }
  // What is wrong with the bad record, without the "record at offset N: " prefix.
  const std::string& error_detail() const { return detail_; }
  // End of the last good record (the header's end before any record).
  uint64_t end_offset() const { return pos_; }
  uint64_t file_size() const { return size_; }

  // Bytes from `from` on that are not zero (after end_offset(): a torn tail or garbage).
  // Scans the rest of the file in bounded windows. {0, 0} when only zeros follow.
  struct Trailing {
    uint64_t first_nonzero = 0;  // offset of the first non-zero byte
    uint64_t end = 0;            // one past the last non-zero byte
  };
  Result<Trailing> scan_trailing(uint64_t from);

 private:
  SegmentReader(int fd, std::string_view mem, uint64_t size) : fd_(fd), mem_(mem), size_(size) {}
  // Up to `n` bytes at `off` (fewer at the end of the file); Io on a read error.
  Result<std::string_view> fetch(uint64_t off, size_t n);

  int fd_ = -1;
  std::string_view mem_;
  uint64_t size_ = 0;
  std::string buf_;
  uint64_t buf_off_ = 0;
  uint64_t pos_ = 0;
  bool header_ok_ = false;
  bool done_ = false;
  Status status_;
  std::string detail_;
};

struct SegmentFile {
  uint64_t segment = 0;
  std::string path;
};

struct StreamFiles {
  uint32_t stream = 0;
  std::string dir;
  std::vector<SegmentFile> segments;  // by segment number
};

// The streams (stream-<id> directories, by id) and their segment files (<n>.seg, by n)
// under an audit directory. Other names are ignored. NotFound if `dir` does not exist.
Result<std::vector<StreamFiles>> list_streams(const std::string& dir);
// One stream; an empty list if its directory does not exist.
Result<StreamFiles> list_stream(const std::string& dir, uint32_t stream);

struct ReadOptions {
  std::optional<uint32_t> stream;   // only this stream
  std::optional<int64_t> since_ns;  // records with time_ns >= since
  std::optional<int64_t> until_ns;  // records with time_ns < until
};

// Calls `fn` for every record under `dir` in (stream, seq) order, with stream and
// segment filled in; `fn` returns false to stop. A bad header or record ends that segment
// and the read goes on with the next one; the first such error is returned (Corruption
// naming the file and offset) after all readable records were delivered. CRCs are
// checked, the chain is not: use verify() for proof.
Status read_records(const std::string& dir, const ReadOptions& opts,
                    const std::function<bool(const RecordView&)>& fn);

}  // namespace gh::audit
