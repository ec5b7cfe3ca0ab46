#pragma once

// Proves an audit directory: every header and record CRC, the hash chain within and
// across segments, seq continuity, segment numbering and links, that every segment but
// the last ends with segment.close, every checkpoint's signature and that it names the
// hash the log really has at its (stream, seq) — both the checkpoints written into the
// log and those the caller read from the state store — and that segments missing at the
// start of a stream are accounted for by a prune record. Safe on any bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/control_records.h"
#include "audit/signer.h"

namespace gh::audit {

// Where verification failed, as precisely as it is known.
struct VerifyProblem {
  uint32_t stream = 0;
  std::optional<uint64_t> segment;  // segment number (its file: file)
  std::string file;
  std::optional<uint64_t> seq;     // the record's seq, when known
  std::optional<uint64_t> offset;  // byte offset in `file`
  std::string what;

  // "stream 0, segment 0000000002.seg, record seq 17 at offset 1234: <what> (file <path>)"
  std::string to_string() const;
};

struct VerifyReport {
  uint64_t streams = 0;
  uint64_t segments = 0;          // segments whose records were checked
  uint64_t segments_skipped = 0;  // before since_ns: only their headers were checked
  uint64_t records = 0;
  uint64_t checkpoints = 0;        // checkpoint records in the log, signature and hash checked
  uint64_t store_checkpoints = 0;  // store checkpoints matched against the log
  uint64_t store_checkpoints_pruned = 0;   // naming records that retention removed
  uint64_t store_checkpoints_skipped = 0;  // naming records before since_ns
  uint64_t recoveries = 0;                 // recovery records (crashes) seen
  std::optional<int64_t> first_time_ns;
  std::optional<int64_t> last_time_ns;
  std::vector<VerifyProblem> problems;  // at most one per stream, plus bad store checkpoints

  bool ok() const { return problems.empty(); }
  // One paragraph for humans: the counts and time span, or the problems.
  std::string summary() const;
};

// Verifies everything under `dir` (<dir>/stream-<id>/<n>.seg). `store_checkpoints` are
// the checkpoints the state store holds (any order, any streams). With `since_ns`,
// segments that were closed before it are skipped (headers and numbering still checked;
// the chain is proven from the first segment read on). A missing `dir` is a problem.
VerifyReport verify(const std::string& dir, const Verifier& key,
                    const std::vector<Checkpoint>& store_checkpoints,
                    std::optional<int64_t> since_ns = std::nullopt);

// "2024-06-10T12:00:00.123Z" (UTC, milliseconds).
std::string format_time_ns(int64_t ns);

}  // namespace gh::audit
