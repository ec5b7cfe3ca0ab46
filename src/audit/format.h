#pragma once

// The audit log format. This header is the reference; docs/audit-format.md says the
// same for auditors (with the payload fields of every record type).
//
// Layout on disk
//   <audit dir>/stream-<id>/<segment:010>.seg     e.g. audit/stream-3/0000000042.seg
// One stream per writer (io thread); the admin CLI writes stream kAdminStream. A stream is
// a sequence of segment files numbered 0, 1, 2, ... (retention may remove a prefix).
// Records of a stream carry a sequence number that starts at 1 and continues across
// segments without a gap. Other names in a stream directory (LOCK, *.tmp, *.torn) are not
// part of the log.
//
// Integers are little-endian. A segment file is a header followed by records:
//
// Segment header (kSegmentHeaderSize = 80 bytes)
//    0   8  magic        "GHAUDSEG"
//    8   2  version      kFormatVersion (1)
//   10   2  header_size  80
//   12   4  stream       stream id (u32)
//   16   8  segment      segment number (u64), equal to the number in the file name
//   24   8  first_seq    seq of the first record of this segment (u64)
//   32   8  created_ns   creation time, unix nanoseconds (i64)
//   40  32  prev_hash    chain hash of the stream's record before first_seq; for the first
//                        segment of a stream: genesis = SHA-256("gatehouse-audit-genesis" ‖
//                        stream as u32)
//   72   4  reserved     0
//   76   4  header_crc   CRC32C (Castagnoli) of bytes [0, 76)
//
// Record (kRecordOverhead = 57 bytes + payload)
//    0   4  crc          CRC32C of bytes [4, 57 + length): everything after this field
//    4   4  length       payload length in bytes (<= kMaxPayload)
//    8   1  type         RecordType (never 0)
//    9   8  seq          u64
//   17   8  time_ns      i64, unix nanoseconds
//   25   N  payload      UTF-8 JSON object (fields per type: docs/audit-format.md)
//   25+N 32 hash         chain hash = SHA-256(prev hash ‖ bytes [8, 25 + N)), i.e.
//                        SHA-256(prev hash ‖ type ‖ seq ‖ time_ns ‖ payload), where prev hash
//                        is the hash of record seq - 1 (or the segment's prev_hash)
//
// Records follow each other without padding. A segment being written is preallocated and
// zero-filled: the records end where a record header would be all zero bytes (or at the
// end of the file). A closed segment is truncated to its used length and its last record
// is a segment.close; the next segment's prev_hash is that record's hash.

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/status.h"

namespace gh::audit {

static_assert(std::endian::native == std::endian::little, "the format code assumes LE");

using ChainHash = crypto::Sha256Digest;

inline constexpr char kSegmentMagic[8] = {'G', 'H', 'A', 'U', 'D', 'S', 'E', 'G'};
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 80;
inline constexpr size_t kSegmentHeaderCrcOffset = 76;
inline constexpr size_t kRecordHeaderSize = 25;  // crc, length, type, seq, time_ns
inline constexpr size_t kRecordHashSize = 32;
inline constexpr size_t kRecordOverhead = kRecordHeaderSize + kRecordHashSize;
inline constexpr uint32_t kMaxPayload = 8u << 20;  // a larger length is corruption
inline constexpr uint64_t kFirstSeq = 1;
// Stream id reserved for one-off records from CLI processes (keys create / revoke).
inline constexpr uint32_t kAdminStream = 65535;

// Values are stable: they are on disk. Ranges leave room for later families.
enum class RecordType : uint8_t {
  // 1..15: the stream's own structure.
  kSegmentClose = 1,  // last record of a closed segment
  kCheckpoint = 2,    // signed {stream, segment, seq, hash, time} of the record before it
  kPrune = 3,         // retention removed segments [.. through_segment]
  kRecovery = 4,      // a crash left the previous segment open (torn bytes dropped)
  // 16..47: sessions.
  kSessionStart = 16,
  kSessionEnd = 17,
  kAuthFailure = 18,
  kStatement = 19,
  kResult = 20,
  // 48..63: configuration, keys and the admin API.
  kConfigLoaded = 48,
  kKeyCreated = 49,
  kKeyRevoked = 50,
  kPolicyLoaded = 51,  // the guardrails policy was (re)loaded
  kAdminRequest = 52,  // a request to the admin API's /api/: who, what, from where, the answer
  // 64..95: review requests: filed, approved by one of several approvers, decided (approved,
  // denied, expired, cancelled), and an approval used by its statement.
  kReviewRequested = 64,
  kReviewDecided = 65,
  kReviewUsed = 66,
  kReviewApproval = 67,  // one approval of a request that needs more (min_approvals)
  // 96..127: backend credentials: an ephemeral role created for a session, and dropped.
  kCredentialGranted = 96,
  kCredentialRevoked = 97,
};

// "session.start", "checkpoint", ...; "unknown" for a value not listed above.
std::string_view record_type_name(RecordType type);
std::optional<RecordType> record_type_from_name(std::string_view name);

struct SegmentHeader {
  uint32_t stream = 0;
  uint64_t segment = 0;
  uint64_t first_seq = kFirstSeq;
  int64_t created_ns = 0;
  ChainHash prev_hash{};
};

// Writes exactly kSegmentHeaderSize bytes (CRC included) to `out`.
void encode_segment_header(const SegmentHeader& h, char* out);
// Corruption naming what is wrong (magic, version, CRC, size) for anything else.
Status decode_segment_header(std::string_view bytes, SegmentHeader* out);

ChainHash genesis_hash(uint32_t stream);
std::string segment_file_name(uint64_t segment);  // "0000000042.seg"
std::string stream_dir_name(uint32_t stream);     // "stream-3"
// The segment number of a file name of exactly the form above.
std::optional<uint64_t> parse_segment_file_name(std::string_view name);
std::optional<uint32_t> parse_stream_dir_name(std::string_view name);

// Chain hash of one record (see the layout above).
ChainHash chain_hash(const ChainHash& prev, RecordType type, uint64_t seq, int64_t time_ns,
                     std::string_view payload);

inline size_t record_size(size_t payload_len) { return kRecordOverhead + payload_len; }

// Frames one record at `dst` (record_size(payload.size()) bytes), computing its chain hash
// from `prev` (returned in *hash) and its CRC. The CRC is stored last so that a record
// cut short while being written never looks valid.
void encode_record(char* dst, const ChainHash& prev, RecordType type, uint64_t seq, int64_t time_ns,
                   std::string_view payload, ChainHash* hash);
inline std::string encode_record(const ChainHash& prev, RecordType type, uint64_t seq,
                                 int64_t time_ns, std::string_view payload, ChainHash* hash) {
  std::string out(record_size(payload.size()), '\0');
  encode_record(out.data(), prev, type, seq, time_ns, payload, hash);
  return out;
}

// Little-endian field access (the format is LE; so are the hosts we build for).
template <typename T>
inline T load_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
inline void store_le(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace gh::audit
