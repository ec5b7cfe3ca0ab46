#include "audit/format.h"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <memory>

#include "audit/crc32c.h"

namespace gh::audit {
namespace {

struct TypeName {
  RecordType type;
  std::string_view name;
};

constexpr std::array<TypeName, 20> kTypeNames = {{
    {RecordType::kSegmentClose, "segment.close"},
    {RecordType::kCheckpoint, "checkpoint"},
    {RecordType::kPrune, "prune"},
    {RecordType::kRecovery, "recovery"},
    {RecordType::kSessionStart, "session.start"},
    {RecordType::kSessionEnd, "session.end"},
    {RecordType::kAuthFailure, "auth.failure"},
    {RecordType::kStatement, "statement"},
    {RecordType::kResult, "result"},
    {RecordType::kConfigLoaded, "config.loaded"},
    {RecordType::kKeyCreated, "key.created"},
    {RecordType::kKeyRevoked, "key.revoked"},
    {RecordType::kAdminRequest, "admin.request"},
    {RecordType::kPolicyLoaded, "policy.loaded"},
    {RecordType::kReviewRequested, "review.requested"},
    {RecordType::kReviewDecided, "review.decided"},
    {RecordType::kReviewUsed, "review.used"},
    {RecordType::kReviewApproval, "review.approval"},
    {RecordType::kCredentialGranted, "credential.granted"},
    {RecordType::kCredentialRevoked, "credential.revoked"},
}};

// One digest context per thread, reused: EVP_MD_CTX_new per record costs an allocation.
struct DigestCtx {
  DigestCtx() : ctx(EVP_MD_CTX_new()), md(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}
  ~DigestCtx() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  EVP_MD_CTX* ctx;
  EVP_MD* md;
};

DigestCtx& digest_ctx() {
  thread_local DigestCtx d;
  return d;
}

ChainHash chain_hash_raw(const ChainHash& prev, const char* fields, size_t fields_len,
                         std::string_view payload) {
  DigestCtx& d = digest_ctx();
  ChainHash out{};
  unsigned int len = 0;
  EVP_DigestInit_ex(d.ctx, d.md, nullptr);
  EVP_DigestUpdate(d.ctx, prev.data(), prev.size());
  EVP_DigestUpdate(d.ctx, fields, fields_len);
  EVP_DigestUpdate(d.ctx, payload.data(), payload.size());
  EVP_DigestFinal_ex(d.ctx, out.data(), &len);
  return out;
}

void encode_fields(char* p, RecordType type, uint64_t seq, int64_t time_ns) {
  p[0] = static_cast<char>(type);
  store_le<uint64_t>(p + 1, seq);
  store_le<int64_t>(p + 9, time_ns);
}

}  // namespace

std::string_view record_type_name(RecordType type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

std::optional<RecordType> record_type_from_name(std::string_view name) {
  for (const TypeName& t : kTypeNames) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

void encode_segment_header(const SegmentHeader& h, char* out) {
  std::memset(out, 0, kSegmentHeaderSize);
  std::memcpy(out, kSegmentMagic, sizeof kSegmentMagic);
  store_le<uint16_t>(out + 8, kFormatVersion);
  store_le<uint16_t>(out + 10, static_cast<uint16_t>(kSegmentHeaderSize));
  store_le<uint32_t>(out + 12, h.stream);
  store_le<uint64_t>(out + 16, h.segment);
  store_le<uint64_t>(out + 24, h.first_seq);
  store_le<int64_t>(out + 32, h.created_ns);
  std::memcpy(out + 40, h.prev_hash.data(), h.prev_hash.size());
  store_le<uint32_t>(out + kSegmentHeaderCrcOffset, crc32c::value(out, kSegmentHeaderCrcOffset));
}

Status decode_segment_header(std::string_view bytes, SegmentHeader* out) {
  if (bytes.size() < kSegmentHeaderSize) {
    return Status::Corruption("segment header is cut short: " + std::to_string(bytes.size()) +
                              " of " + std::to_string(kSegmentHeaderSize) + " bytes");
  }
  const char* p = bytes.data();
  if (std::memcmp(p, kSegmentMagic, sizeof kSegmentMagic) != 0) {
    return Status::Corruption("not an audit segment (bad magic)");
  }
  uint32_t stored = load_le<uint32_t>(p + kSegmentHeaderCrcOffset);
  uint32_t actual = crc32c::value(p, kSegmentHeaderCrcOffset);
  if (stored != actual) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "segment header CRC mismatch (stored %08x, computed %08x)",
                  stored, actual);
    return Status::Corruption(buf);
  }
  uint16_t version = load_le<uint16_t>(p + 8);
  if (version != kFormatVersion) {
    return Status::Corruption("unsupported segment format version " + std::to_string(version));
  }
  if (load_le<uint16_t>(p + 10) != kSegmentHeaderSize) {
    return Status::Corruption("segment header size " + std::to_string(load_le<uint16_t>(p + 10)) +
                              " is not " + std::to_string(kSegmentHeaderSize));
  }
  out->stream = load_le<uint32_t>(p + 12);
  out->segment = load_le<uint64_t>(p + 16);
  out->first_seq = load_le<uint64_t>(p + 24);
  out->created_ns = load_le<int64_t>(p + 32);
  std::memcpy(out->prev_hash.data(), p + 40, out->prev_hash.size());
  return Status::Ok();
}

ChainHash genesis_hash(uint32_t stream) {
  std::string in = "gatehouse-audit-genesis";
  char id[4];
  store_le<uint32_t>(id, stream);
  in.append(id, 4);
  return crypto::sha256(in);
}

std::string segment_file_name(uint64_t segment) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%010llu.seg", static_cast<unsigned long long>(segment));
  return buf;
}

std::string stream_dir_name(uint32_t stream) { return "stream-" + std::to_string(stream); }

namespace {
template <typename T>
std::optional<T> parse_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  T v{};
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != 14 || name.substr(10) != ".seg") return std::nullopt;
  return parse_decimal<uint64_t>(name.substr(0, 10));
}

std::optional<uint32_t> parse_stream_dir_name(std::string_view name) {
  constexpr std::string_view kPrefix = "stream-";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view digits = name.substr(kPrefix.size());
  // Canonical spelling only ("stream-03" would alias "stream-3").
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  return parse_decimal<uint32_t>(digits);
}

ChainHash chain_hash(const ChainHash& prev, RecordType type, uint64_t seq, int64_t time_ns,
                     std::string_view payload) {
  char fields[17];
  encode_fields(fields, type, seq, time_ns);
  return chain_hash_raw(prev, fields, sizeof fields, payload);
}

void encode_record(char* dst, const ChainHash& prev, RecordType type, uint64_t seq, int64_t time_ns,
                   std::string_view payload, ChainHash* hash) {
  const size_t n = payload.size();
  store_le<uint32_t>(dst + 4, static_cast<uint32_t>(n));
  encode_fields(dst + 8, type, seq, time_ns);
  std::memcpy(dst + kRecordHeaderSize, payload.data(), n);
  // Hash from the copy just made: one pass over the payload while it is in cache.
  *hash = chain_hash_raw(prev, dst + 8, 17, {dst + kRecordHeaderSize, n});
  std::memcpy(dst + kRecordHeaderSize + n, hash->data(), kRecordHashSize);
  uint32_t crc = crc32c::value(dst + 4, record_size(n) - 4);
  store_le<uint32_t>(dst, crc);
}

}  // namespace gh::audit
