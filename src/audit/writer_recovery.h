#pragma once

// Continuing a stream after a restart (used by StreamWriter::open).

#include <cstdint>
#include <string>

#include "audit/format.h"
#include "common/status.h"

namespace gh::audit {

struct StreamTail {
  uint64_t last_seq = 0;  // 0: the stream has no record yet
  ChainHash last_hash{};
  uint64_t last_record_segment = 0;
  bool crashed = false;        // not closed (a crash; it is closed now) or bytes dropped
  uint64_t bytes_dropped = 0;  // torn bytes cut off its end (saved to <path>.torn)
};

// Reads the last segment of a stream up to its last valid record (framing, CRC, seq and
// chain). If it was not closed (a crash), cuts off whatever follows that record (saving
// non-zero bytes to <path>.torn for forensics), appends the segment.close record and
// syncs, so that every segment but the one being written ends with segment.close.
// Corruption when the header is unreadable or belongs elsewhere (never guessed at).
Result<StreamTail> recover_stream_tail(const std::string& path, uint32_t stream, uint64_t segment,
                                       int64_t now_ns);

}  // namespace gh::audit
