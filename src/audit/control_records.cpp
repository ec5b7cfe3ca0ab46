#include "audit/control_records.h"

#include "audit/json.h"
#include "common/json_writer.h"

namespace gh::audit {

std::string checkpoint_signing_text(const Checkpoint& cp) {
  std::string s = "gatehouse-audit-checkpoint-v1\n";
  s += "stream=" + std::to_string(cp.stream) + "\n";
  s += "segment=" + std::to_string(cp.segment) + "\n";
  s += "seq=" + std::to_string(cp.seq) + "\n";
  s += "hash=" + cp.hash_hex + "\n";
  s += "time_ns=" + std::to_string(cp.time_ns) + "\n";
  return s;
}

std::string encode_checkpoint(const Checkpoint& cp) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("stream", uint64_t{cp.stream})
      .field("segment", cp.segment)
      .field("seq", cp.seq)
      .field("hash", std::string_view(cp.hash_hex))
      .field("time_ns", cp.time_ns)
      .field("signature", std::string_view(cp.signature_b64))
      .end_object();
  return out;
}

std::optional<Checkpoint> parse_checkpoint(std::string_view payload) {
  auto o = json::parse_flat_object(payload);
  if (!o) return std::nullopt;
  auto stream = o->get_u64("stream");
  auto segment = o->get_u64("segment");
  auto seq = o->get_u64("seq");
  auto hash = o->get_string("hash");
  auto time_ns = o->get_i64("time_ns");
  auto sig = o->get_string("signature");
  if (!stream || *stream > UINT32_MAX || !segment || !seq || !hash || !time_ns || !sig) {
    return std::nullopt;
  }
  if (!parse_hash_hex(*hash)) return std::nullopt;
  Checkpoint cp;
  cp.stream = static_cast<uint32_t>(*stream);
  cp.segment = *segment;
  cp.seq = *seq;
  cp.hash_hex = *hash;
  cp.time_ns = *time_ns;
  cp.signature_b64 = *sig;
  return cp;
}

std::string encode_segment_close(const SegmentClose& c) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("segment", c.segment)
      .field("last_seq", c.last_seq)
      .field("last_hash", std::string_view(c.last_hash))
      .end_object();
  return out;
}

std::optional<SegmentClose> parse_segment_close(std::string_view payload) {
  auto o = json::parse_flat_object(payload);
  if (!o) return std::nullopt;
  auto segment = o->get_u64("segment");
  auto last_seq = o->get_u64("last_seq");
  auto last_hash = o->get_string("last_hash");
  if (!segment || !last_seq || !last_hash || !parse_hash_hex(*last_hash)) return std::nullopt;
  return SegmentClose{*segment, *last_seq, std::string(*last_hash)};
}

std::string encode_prune(const Prune& p) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("segments_removed", p.segments_removed)
      .field("through_segment", p.through_segment)
      .field("last_hash", std::string_view(p.last_hash))
      .end_object();
  return out;
}

std::optional<Prune> parse_prune(std::string_view payload) {
  auto o = json::parse_flat_object(payload);
  if (!o) return std::nullopt;
  auto removed = o->get_u64("segments_removed");
  auto through = o->get_u64("through_segment");
  auto last_hash = o->get_string("last_hash");
  if (!removed || !through || !last_hash || !parse_hash_hex(*last_hash)) return std::nullopt;
  return Prune{*removed, *through, std::string(*last_hash)};
}

std::string encode_recovery(const Recovery& r) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("segment", r.segment)
      .field("bytes_dropped", r.bytes_dropped)
      .end_object();
  return out;
}

std::optional<Recovery> parse_recovery(std::string_view payload) {
  auto o = json::parse_flat_object(payload);
  if (!o) return std::nullopt;
  auto segment = o->get_u64("segment");
  auto dropped = o->get_u64("bytes_dropped");
  if (!segment || !dropped) return std::nullopt;
  return Recovery{*segment, *dropped};
}

std::string hash_hex(const ChainHash& h) { return crypto::to_hex(h); }

std::optional<ChainHash> parse_hash_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  ChainHash h{};
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (size_t k = 0; k < 2; ++k) {
      char c = hex[2 * i + k];
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else
        return std::nullopt;  // lowercase only: one spelling per hash
      v = v * 16 + d;
    }
    h[i] = static_cast<uint8_t>(v);
  }
  return h;
}

}  // namespace gh::audit
