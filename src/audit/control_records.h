#pragma once

// Payloads of the records the log writes about itself: checkpoint, segment.close, prune
// and recovery (see docs/audit-format.md). The writer encodes them; verify parses them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "audit/format.h"

namespace gh::audit {

// A signed checkpoint: "record `seq` of `stream` (in `segment`) has chain hash `hash`".
// Written into the stream (a checkpoint record) and kept in the state store, so that an
// attacker who can rewrite the files but does not hold the key is caught.
struct Checkpoint {
  uint32_t stream = 0;
  uint64_t segment = 0;
  uint64_t seq = 0;
  std::string hash_hex;  // chain hash of record `seq`
  int64_t time_ns = 0;
  std::string signature_b64;  // Ed25519 over checkpoint_signing_text()

  bool operator==(const Checkpoint&) const = default;
};

// The exact bytes that are signed:
//   "gatehouse-audit-checkpoint-v1\nstream=3\nsegment=42\nseq=1234\nhash=<64 hex>\n"
//   "time_ns=1718000000000000000\n"
std::string checkpoint_signing_text(const Checkpoint& cp);

// {"stream":3,"segment":42,"seq":1234,"hash":"…","time_ns":…,"signature":"…"}
std::string encode_checkpoint(const Checkpoint& cp);
std::optional<Checkpoint> parse_checkpoint(std::string_view payload);

struct SegmentClose {
  uint64_t segment = 0;
  uint64_t last_seq = 0;  // seq of the record before the segment.close record
  std::string last_hash;  // its chain hash (hex)
};
std::string encode_segment_close(const SegmentClose& c);
std::optional<SegmentClose> parse_segment_close(std::string_view payload);

struct Prune {
  uint64_t segments_removed = 0;
  uint64_t through_segment = 0;  // segments <= this were removed
  std::string last_hash;         // chain hash of the last record of through_segment (hex)
};
std::string encode_prune(const Prune& p);
std::optional<Prune> parse_prune(std::string_view payload);

struct Recovery {
  uint64_t segment = 0;        // the segment a crash left open
  uint64_t bytes_dropped = 0;  // torn bytes cut off its end (kept in <segment>.seg.torn)
};
std::string encode_recovery(const Recovery& r);
std::optional<Recovery> parse_recovery(std::string_view payload);

// 64 lowercase hex digits.
std::string hash_hex(const ChainHash& h);
std::optional<ChainHash> parse_hash_hex(std::string_view hex);

}  // namespace gh::audit
