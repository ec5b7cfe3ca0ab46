#include "audit/verify.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "audit/reader.h"

namespace gh::audit {
namespace {

constexpr size_t kMaxStoreProblems = 20;

std::string short_hex(const std::string& hex) { return hex.substr(0, 16) + "…"; }
std::string short_hex(const ChainHash& h) { return short_hex(hash_hex(h)); }

struct Header {
  SegmentHeader h;
  const SegmentFile* file = nullptr;
};

struct PruneSeen {
  Prune p;
  uint64_t seq = 0;
  uint64_t segment = 0;
};

class StreamVerifier {
 public:
  StreamVerifier(const StreamFiles& sf, const Verifier& key,
                 std::vector<const Checkpoint*> store_cps, std::optional<int64_t> since,
                 VerifyReport& report)
      : sf_(sf), key_(key), store_cps_(std::move(store_cps)), since_(since), report_(report) {}

  void run();

 private:
  bool problem(const SegmentFile* seg, std::optional<uint64_t> seq, std::optional<uint64_t> offset,
               std::string what) {
    VerifyProblem p;
    p.stream = sf_.stream;
    if (seg != nullptr) {
      p.segment = seg->segment;
      p.file = seg->path;
    }
    p.seq = seq;
    p.offset = offset;
    p.what = std::move(what);
    report_.problems.push_back(std::move(p));
    return false;
  }
  bool read_headers();
  bool check_segment(size_t i, bool last);
  bool check_record(const SegmentFile& seg, const RecordView& r);
  bool check_store_checkpoints_at(const SegmentFile& seg, const RecordView& r);
  bool finish();

  const StreamFiles& sf_;
  const Verifier& key_;
  std::vector<const Checkpoint*> store_cps_;  // by seq
  size_t next_store_cp_ = 0;
  std::optional<int64_t> since_;
  VerifyReport& report_;

  std::vector<Header> headers_;
  size_t start_ = 0;
  ChainHash prev_{};
  uint64_t expect_seq_ = 0;
  uint64_t prev_record_segment_ = 0;
  bool closed_ = false;  // the current segment had its segment.close
  std::map<uint64_t, ChainHash> segment_last_hash_;
  std::vector<PruneSeen> prunes_;
};

bool StreamVerifier::read_headers() {
  for (const SegmentFile& f : sf_.segments) {
    auto reader = SegmentReader::open_file(f.path);
    if (!reader.ok()) return problem(&f, {}, {}, reader.status().message());
    Header h;
    h.file = &f;
    Status s = (*reader)->read_header(&h.h);
    if (!s.ok()) return problem(&f, {}, 0, s.message());
    if (h.h.stream != sf_.stream) {
      return problem(&f, {}, 0,
                     "the header belongs to stream " + std::to_string(h.h.stream) +
                         " (segment copied from another stream?)");
    }
    if (h.h.segment != f.segment) {
      return problem(&f, {}, 0,
                     "the file holds segment " + std::to_string(h.h.segment) +
                         " (files renamed or reordered?)");
    }
    if (!headers_.empty()) {
      const SegmentFile& prev = *headers_.back().file;
      if (f.segment != prev.segment + 1) {
        return problem(&f, {}, {},
                       "segments " + std::to_string(prev.segment + 1) + " to " +
                           std::to_string(f.segment - 1) + " are missing between " +
                           segment_file_name(prev.segment) + " and this file (removed?)");
      }
    }
    headers_.push_back(h);
  }
  return true;
}

bool StreamVerifier::check_store_checkpoints_at(const SegmentFile& seg, const RecordView& r) {
  while (next_store_cp_ < store_cps_.size() && store_cps_[next_store_cp_]->seq <= r.seq) {
    const Checkpoint& cp = *store_cps_[next_store_cp_++];
    if (cp.seq < r.seq) continue;  // before what was read: counted in finish()
    if (cp.hash_hex != hash_hex(r.hash) || cp.segment != seg.segment) {
      return problem(&seg, r.seq, r.offset,
                     "the store's checkpoint (signed " + format_time_ns(cp.time_ns) +
                         ") says seq " + std::to_string(cp.seq) + " is in segment " +
                         std::to_string(cp.segment) + " with hash " + short_hex(cp.hash_hex) +
                         ", but the log has hash " + short_hex(r.hash) + " in segment " +
                         std::to_string(seg.segment) +
                         " (the log was rewritten after it was checkpointed)");
    }
    ++report_.store_checkpoints;
  }
  return true;
}

bool StreamVerifier::check_record(const SegmentFile& seg, const RecordView& r) {
  if (closed_) {
    return problem(&seg, r.seq, r.offset, "record after the segment's segment.close record");
  }
  if (r.seq != expect_seq_) {
    std::string what =
        "seq " + std::to_string(r.seq) + " where " + std::to_string(expect_seq_) + " was expected";
    if (r.seq > expect_seq_) {
      what += ": records " + std::to_string(expect_seq_) + " to " + std::to_string(r.seq - 1) +
              " are missing (deleted?)";
    } else {
      what += " (record repeated, reordered or inserted)";
    }
    return problem(&seg, r.seq, r.offset, what);
  }
  const ChainHash h = chain_hash(prev_, r.type, r.seq, r.time_ns, r.payload);
  if (h != r.hash) {
    return problem(&seg, r.seq, r.offset,
                   "chain hash mismatch: the record says " + short_hex(r.hash) + ", computed " +
                       short_hex(h) +
                       " (record altered, inserted or taken from another stream, or the one "
                       "before it deleted)");
  }
  const std::string type_name(record_type_name(r.type));
  switch (r.type) {
    case RecordType::kCheckpoint: {
      auto cp = parse_checkpoint(r.payload);
      if (!cp) return problem(&seg, r.seq, r.offset, "unreadable checkpoint payload");
      if (!key_.verify(*cp)) {
        return problem(&seg, r.seq, r.offset,
                       "checkpoint signature is not valid for the public key (forged or signed "
                       "with another key)");
      }
      if (cp->stream != sf_.stream) {
        return problem(&seg, r.seq, r.offset,
                       "checkpoint signed for stream " + std::to_string(cp->stream) + " seq " +
                           std::to_string(cp->seq) + " appears in stream " +
                           std::to_string(sf_.stream) + " (replayed checkpoint)");
      }
      if (cp->seq + 1 != r.seq) {
        // A checkpoint record always signs the record just before it.
        return problem(&seg, r.seq, r.offset,
                       "checkpoint signed for seq " + std::to_string(cp->seq) +
                           " appears after seq " + std::to_string(r.seq - 1) +
                           " (replayed checkpoint, or records before it deleted or inserted)");
      }
      if (cp->hash_hex != hash_hex(prev_) || cp->segment != prev_record_segment_) {
        return problem(&seg, r.seq, r.offset,
                       "checkpoint says seq " + std::to_string(cp->seq) + " (segment " +
                           std::to_string(cp->segment) + ") has hash " + short_hex(cp->hash_hex) +
                           " but the log has " + short_hex(prev_) + " in segment " +
                           std::to_string(prev_record_segment_) +
                           " (records before it were rewritten)");
      }
      ++report_.checkpoints;
      break;
    }
    case RecordType::kSegmentClose: {
      auto c = parse_segment_close(r.payload);
      if (!c) return problem(&seg, r.seq, r.offset, "unreadable segment.close payload");
      if (c->segment != seg.segment || c->last_seq + 1 != r.seq ||
          c->last_hash != hash_hex(prev_)) {
        return problem(&seg, r.seq, r.offset,
                       "segment.close names segment " + std::to_string(c->segment) + " last seq " +
                           std::to_string(c->last_seq) + ", which is not what precedes it");
      }
      closed_ = true;
      break;
    }
    case RecordType::kPrune: {
      auto p = parse_prune(r.payload);
      if (!p) return problem(&seg, r.seq, r.offset, "unreadable prune payload");
      prunes_.push_back({*p, r.seq, seg.segment});
      break;
    }
    case RecordType::kRecovery: {
      if (!parse_recovery(r.payload)) {
        return problem(&seg, r.seq, r.offset, "unreadable recovery payload");
      }
      ++report_.recoveries;
      break;
    }
    default:
      break;
  }
  if (!check_store_checkpoints_at(seg, r)) return false;
  prev_ = r.hash;
  prev_record_segment_ = seg.segment;
  ++expect_seq_;
  ++report_.records;
  if (!report_.first_time_ns || r.time_ns < *report_.first_time_ns)
    report_.first_time_ns = r.time_ns;
  if (!report_.last_time_ns || r.time_ns > *report_.last_time_ns) report_.last_time_ns = r.time_ns;
  return true;
}

bool StreamVerifier::check_segment(size_t i, bool last) {
  const Header& hd = headers_[i];
  const SegmentFile& seg = *hd.file;
  if (i == start_) {
    prev_ = hd.h.prev_hash;
    expect_seq_ = hd.h.first_seq;
    prev_record_segment_ = seg.segment > 0 ? seg.segment - 1 : 0;
    if (i == 0 && seg.segment == 0) {
      if (hd.h.prev_hash != genesis_hash(sf_.stream) || hd.h.first_seq != kFirstSeq) {
        return problem(&seg, {}, 0,
                       "the first segment does not start the chain (prev_hash is not the "
                       "genesis hash of stream " +
                           std::to_string(sf_.stream) + " or first_seq is not 1)");
      }
    }
  } else {
    const SegmentFile& before = *headers_[i - 1].file;
    if (hd.h.prev_hash != prev_) {
      return problem(&seg, {}, 0,
                     "does not link to " + segment_file_name(before.segment) + ": its prev_hash " +
                         short_hex(hd.h.prev_hash) +
                         " is not the hash of that segment's last record, " + short_hex(prev_) +
                         " (segment replaced, reordered or altered)");
    }
    if (hd.h.first_seq != expect_seq_) {
      return problem(&seg, {}, 0,
                     "starts at seq " + std::to_string(hd.h.first_seq) + " but " +
                         std::to_string(expect_seq_) + " follows " +
                         segment_file_name(before.segment));
    }
  }
  auto opened = SegmentReader::open_file(seg.path);
  if (!opened.ok()) return problem(&seg, {}, {}, opened.status().message());
  SegmentReader& reader = **opened;
  SegmentHeader again;
  Status hs = reader.read_header(&again);
  if (!hs.ok()) return problem(&seg, {}, 0, hs.message());
  closed_ = false;
  RecordView r;
  while (reader.next(&r)) {
    if (!check_record(seg, r)) return false;
  }
  if (!reader.status().ok()) {
    const std::string& detail = reader.error_detail();
    return problem(&seg, expect_seq_, reader.end_offset(),
                   "bad record: " + (detail.empty() ? reader.status().message() : detail));
  }
  auto trailing = reader.scan_trailing(reader.end_offset());
  if (!trailing.ok()) return problem(&seg, {}, {}, trailing.status().message());
  if (trailing->end > 0) {
    return problem(&seg, expect_seq_, trailing->first_nonzero,
                   std::to_string(trailing->end - trailing->first_nonzero) +
                       " bytes after the last valid record (seq " +
                       std::to_string(expect_seq_ - 1) +
                       ") that are not a record: a torn write or an altered record");
  }
  if (!last && !closed_) {
    return problem(&seg, {}, reader.end_offset(),
                   "ends after seq " + std::to_string(expect_seq_ - 1) +
                       " without a segment.close record (truncated?)");
  }
  segment_last_hash_[seg.segment] = prev_;
  ++report_.segments;
  return true;
}

bool StreamVerifier::finish() {
  const Header& first = headers_.front();
  if (start_ == 0 && first.file->segment > 0) {
    // Segments before the first file are gone: a prune record must account for them.
    const uint64_t need = first.file->segment - 1;
    const PruneSeen* cover = nullptr;
    for (const PruneSeen& p : prunes_) {
      if (p.p.through_segment >= need) {
        cover = &p;
        break;
      }
    }
    if (cover == nullptr) {
      return problem(first.file, {}, 0,
                     "segments 0 to " + std::to_string(need) +
                         " are missing and no prune record accounts for them (removed?)");
    }
    if (cover->p.through_segment == need && cover->p.last_hash != hash_hex(first.h.prev_hash)) {
      return problem(first.file, {}, 0,
                     "prev_hash " + short_hex(first.h.prev_hash) +
                         " is not the last hash the prune record at seq " +
                         std::to_string(cover->seq) + " recorded, " +
                         short_hex(cover->p.last_hash));
    }
  }
  for (const PruneSeen& p : prunes_) {
    auto it = segment_last_hash_.find(p.p.through_segment);
    if (it != segment_last_hash_.end() && hash_hex(it->second) != p.p.last_hash) {
      return problem(nullptr, p.seq, {},
                     "prune record says segment " + std::to_string(p.p.through_segment) +
                         " ended with hash " + short_hex(p.p.last_hash) + " but it ends with " +
                         short_hex(it->second));
    }
  }
  const uint64_t first_read_seq = headers_[start_].h.first_seq;
  for (const Checkpoint* cp : store_cps_) {
    if (cp->seq >= first_read_seq) continue;
    if (start_ > 0) {
      ++report_.store_checkpoints_skipped;
    } else if (first.file->segment > 0) {
      ++report_.store_checkpoints_pruned;
    }
  }
  for (size_t k = next_store_cp_; k < store_cps_.size(); ++k) {
    const Checkpoint& cp = *store_cps_[k];
    if (cp.seq < expect_seq_) continue;
    return problem(headers_.back().file, cp.seq, {},
                   "the store has a checkpoint (signed " + format_time_ns(cp.time_ns) +
                       ") for seq " + std::to_string(cp.seq) + " in segment " +
                       std::to_string(cp.segment) + ", but the stream ends at seq " +
                       std::to_string(expect_seq_ - 1) +
                       " (records or segments removed from its end)");
  }
  return true;
}

void StreamVerifier::run() {
  ++report_.streams;
  if (sf_.segments.empty()) {
    if (!store_cps_.empty()) {
      problem(nullptr, store_cps_.back()->seq, {},
              "the stream has no segment files but the store has checkpoints up to seq " +
                  std::to_string(store_cps_.back()->seq) + " (stream removed?)");
    }
    return;
  }
  if (!read_headers()) return;
  if (since_) {
    while (start_ + 1 < headers_.size() && headers_[start_ + 1].h.created_ns < *since_) {
      ++start_;
    }
    report_.segments_skipped += start_;
  }
  for (size_t i = start_; i < headers_.size(); ++i) {
    if (!check_segment(i, i + 1 == headers_.size())) return;
  }
  finish();
}

}  // namespace

std::string format_time_ns(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  int64_t ms = (ns % 1'000'000'000) / 1'000'000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string VerifyProblem::to_string() const {
  std::string s = "stream " + std::to_string(stream);
  if (segment) s += ", segment " + segment_file_name(*segment);
  if (seq) s += ", record seq " + std::to_string(*seq);
  if (offset) s += std::string(seq ? " at" : ",") + " offset " + std::to_string(*offset);
  s += ": " + what;
  if (!file.empty()) s += " (file " + file + ")";
  return s;
}

std::string VerifyReport::summary() const {
  std::string s;
  if (ok()) {
    s = "audit log verified: ";
  } else {
    s = "audit log verification FAILED (" + std::to_string(problems.size()) + " problem" +
        (problems.size() == 1 ? "" : "s") + "):\n";
    for (const VerifyProblem& p : problems) s += "  " + p.to_string() + "\n";
    s += "checked before stopping: ";
  }
  s += std::to_string(streams) + " streams, " + std::to_string(segments) + " segments, " +
       std::to_string(records) + " records";
  if (first_time_ns && last_time_ns) {
    s += ", " + format_time_ns(*first_time_ns) + " to " + format_time_ns(*last_time_ns);
  }
  s += "; " + std::to_string(checkpoints) + " checkpoints in the log and " +
       std::to_string(store_checkpoints) + " from the store match";
  if (segments_skipped > 0)
    s += "; " + std::to_string(segments_skipped) + " segments before --since";
  if (store_checkpoints_pruned > 0) {
    s += "; " + std::to_string(store_checkpoints_pruned) + " store checkpoints name pruned records";
  }
  if (recoveries > 0) s += "; " + std::to_string(recoveries) + " crash recoveries";
  return s;
}

VerifyReport verify(const std::string& dir, const Verifier& key,
                    const std::vector<Checkpoint>& store_checkpoints,
                    std::optional<int64_t> since_ns) {
  VerifyReport report;
  auto streams = list_streams(dir);
  if (!streams.ok()) {
    report.problems.push_back({0, {}, dir, {}, {}, streams.status().message()});
    return report;
  }
  // Store checkpoints: signatures first, then grouped by stream in seq order.
  std::map<uint32_t, std::vector<const Checkpoint*>> by_stream;
  size_t bad = 0;
  for (const Checkpoint& cp : store_checkpoints) {
    if (!key.verify(cp)) {
      if (++bad <= kMaxStoreProblems) {
        report.problems.push_back(
            {cp.stream,
             {},
             {},
             cp.seq,
             {},
             "the store's checkpoint (signed " + format_time_ns(cp.time_ns) +
                 ") has a signature that is not valid for the public key (forged, or altered "
                 "in the store)"});
      }
      continue;
    }
    by_stream[cp.stream].push_back(&cp);
  }
  for (auto& [id, cps] : by_stream) {
    std::stable_sort(cps.begin(), cps.end(),
                     [](const Checkpoint* a, const Checkpoint* b) { return a->seq < b->seq; });
  }
  for (const StreamFiles& sf : *streams) {
    auto it = by_stream.find(sf.stream);
    std::vector<const Checkpoint*> cps;
    if (it != by_stream.end()) {
      cps = std::move(it->second);
      by_stream.erase(it);
    }
    StreamVerifier(sf, key, std::move(cps), since_ns, report).run();
  }
  for (const auto& [id, cps] : by_stream) {
    report.problems.push_back({id,
                               {},
                               {},
                               cps.back()->seq,
                               {},
                               "the store has checkpoints for this stream up to seq " +
                                   std::to_string(cps.back()->seq) + " but its directory " +
                                   stream_dir_name(id) + " is missing (removed?)"});
  }
  return report;
}

}  // namespace gh::audit
