#include "audit/writer.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "audit/reader.h"
#include "audit/signer.h"
#include "audit/writer_recovery.h"
#include "common/log.h"

namespace gh::audit {
namespace {

constexpr uint64_t kMinSegmentBytes = 4096;
// Room kept free in every segment for its segment.close record (~200 bytes).
constexpr uint64_t kCloseReserve = 256;
// Room a checkpoint record needs (~340 bytes); a new segment starts with one.
constexpr uint64_t kCheckpointReserve = 512;
constexpr int64_t kPresenceCheckNs = 500'000'000;
constexpr int64_t kRetryNs = 200'000'000;
constexpr int64_t kRetentionCheckNs = 60'000'000'000;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct SyncRequest {
  uint64_t seq;
  std::function<void(bool)> done;
};

class StreamWriterImpl final : public StreamWriter {
 public:
  explicit StreamWriterImpl(const WriterOptions& opts)
      : opts_(opts), stream_dir_(opts.dir + "/" + stream_dir_name(opts.stream)) {}
  ~StreamWriterImpl() override { stop_syncer(); }

  Status init();

  Result<uint64_t> append(RecordType type, int64_t time_ns, std::string_view payload) override;
  void tick(int64_t now_ns) override;
  Status close() override;
  Result<PruneResult> prune(int64_t older_than_ns) override;
  bool healthy() const override {
    return healthy_ && !closed_ && !sync_failed_.load(std::memory_order_acquire);
  }
  const std::string& last_error() const override { return last_error_; }
  uint64_t last_seq() const override { return last_seq_; }
  uint64_t segment() const override { return seg_ ? seg_->number() : next_segment_; }
  void request_sync(uint64_t seq, std::function<void(bool ok)> done) override;
  uint64_t durable_seq() const override { return durable_seq_.load(std::memory_order_acquire); }

 private:
  // Frames a record at pos_ (room checked by the caller) and publishes it to the syncer.
  uint64_t append_raw(RecordType type, int64_t time_ns, std::string_view payload);
  Status check_sync_state();
  void fail(const Status& s);
  // Seals the current segment with segment.close and continues in a new one that starts
  // with a checkpoint of that close record. On failure nothing changed.
  Status rotate();
  Status try_recover();
  Checkpoint make_checkpoint(int64_t time_ns);
  void write_checkpoint(int64_t now_ns);
  void deliver_checkpoints();
  uint64_t max_payload() const {
    return opts_.segment_bytes - kSegmentHeaderSize - kCheckpointReserve - kCloseReserve -
           kRecordOverhead;
  }

  void syncer_main();
  void sync_once();
  bool sync_now() override {
    sync_once();
    return !sync_failed_.load(std::memory_order_acquire);
  }
  void complete(std::vector<SyncRequest>& waiting, bool final);
  void stop_syncer();

  const WriterOptions opts_;
  const std::string stream_dir_;
  std::unique_ptr<StreamLock> lock_;

  // Writer thread only (seg_ is also read by the syncer under seg_mu_; it changes only
  // on the writer thread, under seg_mu_).
  std::unique_ptr<ActiveSegment> seg_;
  uint64_t next_segment_ = 0;
  uint64_t pos_ = 0;
  uint64_t last_seq_ = 0;
  ChainHash last_hash_{};
  uint64_t last_record_segment_ = 0;
  bool healthy_ = true;
  bool closed_ = false;
  std::string last_error_;
  int64_t last_checkpoint_ns_ = 0;
  uint64_t checkpointed_seq_ = 0;  // seq of the last checkpoint record
  int64_t last_presence_check_ns_ = 0;
  int64_t last_retry_ns_ = 0;
  int64_t last_retention_ns_ = 0;
  std::vector<Checkpoint> pending_;  // waiting for durability before on_checkpoint

  // Shared with the syncer.
  std::atomic<uint64_t> published_end_{0};
  std::atomic<uint64_t> published_seq_{0};
  std::atomic<uint64_t> durable_seq_{0};
  std::atomic<bool> sync_failed_{false};
  std::mutex seg_mu_;
  uint64_t synced_end_ = 0;             // guarded by seg_mu_
  std::string sync_error_;              // guarded by seg_mu_
  uint64_t lost_lo_ = 1, lost_hi_ = 0;  // guarded by seg_mu_: seqs appended, then lost

  std::mutex req_mu_;
  std::condition_variable req_cv_;
  std::vector<SyncRequest> requests_;  // guarded by req_mu_
  bool stop_ = false;                  // guarded by req_mu_
  std::thread syncer_;
};

Status StreamWriterImpl::init() {
  if (opts_.signer == nullptr) return Status::Invalid("audit: a checkpoint signer is required");
  if (opts_.dir.empty()) return Status::Invalid("audit: no directory given");
  if (opts_.segment_bytes < kMinSegmentBytes) {
    return Status::Invalid("audit: segment_bytes must be at least " +
                           std::to_string(kMinSegmentBytes));
  }
  Status s = make_dirs(stream_dir_);
  if (!s.ok()) return s;
  auto lock = StreamLock::acquire(stream_dir_, opts_.wait_for_lock);
  if (!lock.ok()) return lock.status();
  lock_ = std::move(lock).value();

  // A .tmp is a segment whose creation did not finish: it never held a record.
  if (DIR* d = ::opendir(stream_dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 4 && name.ends_with(".seg.tmp"))
        ::unlink((stream_dir_ + "/" + name).c_str());
    }
    ::closedir(d);
  }

  auto files = list_stream(opts_.dir, opts_.stream);
  if (!files.ok()) return files.status();
  const int64_t now = wall_ns();
  StreamTail tail;
  if (files->segments.empty()) {
    tail.last_hash = genesis_hash(opts_.stream);
    next_segment_ = 0;
  } else {
    const SegmentFile& last = files->segments.back();
    auto t = recover_stream_tail(last.path, opts_.stream, last.segment, now);
    if (!t.ok()) return t.status();
    tail = *t;
    next_segment_ = last.segment + 1;
  }
  last_seq_ = tail.last_seq;
  last_hash_ = tail.last_hash;
  last_record_segment_ = tail.last_record_segment;

  SegmentHeader h{opts_.stream, next_segment_, last_seq_ + 1, now, last_hash_};
  auto seg = ActiveSegment::create(stream_dir_, h, opts_.segment_bytes, opts_.inject_fault);
  if (!seg.ok()) return seg.status();
  s = (*seg)->publish();
  if (!s.ok()) return s;
  seg_ = std::move(seg).value();
  pos_ = kSegmentHeaderSize;
  synced_end_ = pos_;
  published_end_.store(pos_);
  published_seq_.store(last_seq_);
  durable_seq_.store(last_seq_);
  checkpointed_seq_ = last_seq_;

  if (tail.crashed) {
    // The close record recovery wrote is signed like any segment close; the recovery
    // record then tells the auditor that gatehouse stopped without closing the stream.
    Checkpoint cp = make_checkpoint(now);
    append_raw(RecordType::kCheckpoint, now, encode_checkpoint(cp));
    pending_.push_back(cp);
    append_raw(RecordType::kRecovery, now,
               encode_recovery({next_segment_ - 1, tail.bytes_dropped}));
    spdlog::warn(
        "audit: stream {} was not closed (crash); segment {} recovered, {} torn bytes "
        "dropped",
        opts_.stream, next_segment_ - 1, tail.bytes_dropped);
  }
  syncer_ = std::thread([this] { syncer_main(); });
  deliver_checkpoints();
  return Status::Ok();
}

uint64_t StreamWriterImpl::append_raw(RecordType type, int64_t time_ns, std::string_view payload) {
  const uint64_t seq = last_seq_ + 1;
  encode_record(seg_->data() + pos_, last_hash_, type, seq, time_ns, payload, &last_hash_);
  pos_ += record_size(payload.size());
  last_seq_ = seq;
  last_record_segment_ = seg_->number();
  published_end_.store(pos_, std::memory_order_release);
  published_seq_.store(seq, std::memory_order_release);
  return seq;
}

Status StreamWriterImpl::check_sync_state() {
  if (sync_failed_.load(std::memory_order_acquire) && healthy_) {
    std::lock_guard lk(seg_mu_);
    fail(Status::Io(sync_error_));
  }
  if (closed_) return Status::Unavailable("audit: the stream is closed");
  if (!healthy_) return Status::Io(last_error_);
  return Status::Ok();
}

void StreamWriterImpl::fail(const Status& s) {
  if (healthy_) spdlog::error("{}; refusing statements until it can write again", s.message());
  healthy_ = false;
  last_error_ = s.message();
}

Result<uint64_t> StreamWriterImpl::append(RecordType type, int64_t time_ns,
                                          std::string_view payload) {
  Status st = check_sync_state();
  if (!st.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  if (payload.size() > max_payload()) {
    return Status::Invalid("audit: record of " + std::to_string(payload.size()) +
                           " bytes is larger than a segment allows (" +
                           std::to_string(max_payload()) + ")");
  }
  if (pos_ + record_size(payload.size()) + kCloseReserve > seg_->capacity()) {
    Status s = rotate();
    if (!s.ok()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      fail(s);
      return s;
    }
  }
  return append_raw(type, time_ns, payload);
}

Status StreamWriterImpl::rotate() {
  const int64_t now = wall_ns();
  const uint64_t old_number = seg_->number();
  SegmentClose c{old_number, last_seq_, hash_hex(last_hash_)};
  const std::string close_payload = encode_segment_close(c);
  const ChainHash close_hash =
      chain_hash(last_hash_, RecordType::kSegmentClose, last_seq_ + 1, now, close_payload);
  const size_t close_size = record_size(close_payload.size());
  SegmentHeader h{opts_.stream, old_number + 1, last_seq_ + 2, now, close_hash};
  auto next = ActiveSegment::create(stream_dir_, h, opts_.segment_bytes, opts_.inject_fault);
  if (!next.ok()) return next.status();

  // The close record is in the old segment (and synced) before the new one appears: a
  // crash in between leaves a closed segment and a .tmp, never a dangling link.
  const ChainHash prev_hash = last_hash_;
  const uint64_t prev_record_segment = last_record_segment_;
  append_raw(RecordType::kSegmentClose, now, close_payload);
  Status old_sync;
  {
    std::lock_guard lk(seg_mu_);
    old_sync = seg_->sync(synced_end_, pos_);
  }
  Status pub = (*next)->publish();
  if (!pub.ok()) {
    // No successor: take the close record back, so the segment stays the current one
    // and a retry closes it again. (Were it already durable, a restart would find a
    // closed segment and simply start the next one.)
    pos_ -= close_size;
    std::memset(seg_->data() + pos_, 0, close_size);
    last_seq_ -= 1;
    last_hash_ = prev_hash;
    last_record_segment_ = prev_record_segment;
    published_end_.store(pos_, std::memory_order_release);
    published_seq_.store(last_seq_, std::memory_order_release);
    return pub;
  }
  {
    std::lock_guard lk(seg_mu_);
    const bool was_failed = sync_failed_.load(std::memory_order_acquire);
    Status sealed = seg_->seal(pos_);
    if (was_failed || !old_sync.ok() || !sealed.ok()) {
      // Whatever was not durable in the old segment may be lost: never report it durable.
      lost_lo_ = durable_seq_.load() + 1;
      lost_hi_ = last_seq_;
      spdlog::warn("audit: stream {}: records {}..{} of segment {} may not be durable",
                   opts_.stream, lost_lo_, lost_hi_, old_number);
    }
    durable_seq_.store(last_seq_, std::memory_order_release);
    seg_ = std::move(next).value();
    pos_ = kSegmentHeaderSize;
    synced_end_ = pos_;
    published_end_.store(pos_, std::memory_order_release);
    sync_failed_.store(false, std::memory_order_release);
    sync_error_.clear();
  }
  Checkpoint cp = make_checkpoint(now);
  checkpointed_seq_ = append_raw(RecordType::kCheckpoint, now, encode_checkpoint(cp));
  pending_.push_back(cp);
  deliver_checkpoints();
  return Status::Ok();
}

Checkpoint StreamWriterImpl::make_checkpoint(int64_t time_ns) {
  Checkpoint cp;
  cp.stream = opts_.stream;
  cp.segment = last_record_segment_;
  cp.seq = last_seq_;
  cp.hash_hex = hash_hex(last_hash_);
  cp.time_ns = time_ns;
  opts_.signer->sign(cp);
  return cp;
}

void StreamWriterImpl::write_checkpoint(int64_t now_ns) {
  if (pos_ + kCheckpointReserve + kCloseReserve > seg_->capacity()) {
    Status s = rotate();  // writes a checkpoint itself
    if (!s.ok()) fail(s);
    return;
  }
  const int64_t t = wall_ns();
  Checkpoint cp = make_checkpoint(t);
  checkpointed_seq_ = append_raw(RecordType::kCheckpoint, t, encode_checkpoint(cp));
  pending_.push_back(cp);
  last_checkpoint_ns_ = now_ns;
}

void StreamWriterImpl::deliver_checkpoints() {
  const uint64_t durable = durable_seq_.load(std::memory_order_acquire);
  size_t n = 0;
  while (n < pending_.size() && pending_[n].seq <= durable) {
    if (opts_.on_checkpoint) opts_.on_checkpoint(pending_[n]);
    ++n;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
}

Status StreamWriterImpl::try_recover() {
  // A removed stream directory is made again, but not the audit directory itself: if that
  // is gone (unmounted, say), writing waits until it is back.
  Status s;
  struct stat st {};
  if (::stat(opts_.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    s = Status::Io("audit: cannot write segment in " + stream_dir_ + ": the audit directory " +
                   opts_.dir + " is gone");
  } else {
    s = make_dirs(stream_dir_);
  }
  if (s.ok()) s = rotate();
  if (!s.ok()) {
    last_error_ = s.message();
    return s;
  }
  healthy_ = true;
  last_error_.clear();
  spdlog::warn("audit: stream {} writing again in segment {}", opts_.stream, seg_->number());
  return s;
}

void StreamWriterImpl::tick(int64_t now_ns) {
  if (closed_) return;
  (void)check_sync_state();
  if (healthy_ && now_ns - last_presence_check_ns_ >= kPresenceCheckNs) {
    last_presence_check_ns_ = now_ns;
    Status s = seg_->check_path();
    if (!s.ok()) fail(s);
  }
  if (!healthy_ && now_ns - last_retry_ns_ >= kRetryNs) {
    last_retry_ns_ = now_ns;
    (void)try_recover();
  }
  deliver_checkpoints();
  if (!healthy_) return;
  const int64_t interval =
      std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.checkpoint_interval).count();
  if (last_seq_ > checkpointed_seq_ && now_ns - last_checkpoint_ns_ >= interval) {
    write_checkpoint(now_ns);
  }
  if (opts_.retention.count() > 0 && now_ns - last_retention_ns_ >= kRetentionCheckNs) {
    last_retention_ns_ = now_ns;
    const int64_t keep_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.retention).count();
    auto r = prune(now_ns - keep_ns);
    if (!r.ok())
      spdlog::warn("audit: retention on stream {}: {}", opts_.stream, r.status().message());
  }
}

Status StreamWriterImpl::close() {
  if (closed_) return Status::Ok();
  Status st = check_sync_state();
  if (!st.ok()) st = try_recover();
  if (!st.ok()) {
    closed_ = true;
    stop_syncer();
    return st;
  }
  const int64_t now = wall_ns();
  SegmentClose c{seg_->number(), last_seq_, hash_hex(last_hash_)};
  append_raw(RecordType::kSegmentClose, now, encode_segment_close(c));
  {
    std::lock_guard lk(seg_mu_);
    st = seg_->seal(pos_);
    if (st.ok()) durable_seq_.store(last_seq_, std::memory_order_release);
    next_segment_ = seg_->number() + 1;
    seg_.reset();
  }
  stop_syncer();
  closed_ = true;
  if (!st.ok()) {
    fail(st);
    return st;
  }
  // The close record's checkpoint goes to the store only: nothing follows it in the file.
  pending_.push_back(make_checkpoint(now));
  deliver_checkpoints();
  return Status::Ok();
}

Result<PruneResult> StreamWriterImpl::prune(int64_t older_than_ns) {
  Status st = check_sync_state();
  if (!st.ok()) return st;
  auto files = list_stream(opts_.dir, opts_.stream);
  if (!files.ok()) return files.status();
  const auto& segs = files->segments;
  // Segment i may go when the segment after it was created before the cut-off: all of
  // i's records were written before that. Only a gap-free prefix of closed segments.
  PruneResult result;
  std::optional<ChainHash> last_hash;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    if (segs[i].segment >= seg_->number() || segs[i + 1].segment != segs[i].segment + 1) break;
    auto reader = SegmentReader::open_file(segs[i + 1].path);
    if (!reader.ok()) return reader.status();
    SegmentHeader next;
    Status hs = (*reader)->read_header(&next);
    if (!hs.ok()) return Status::Corruption(segs[i + 1].path + ": " + hs.message());
    if (next.created_ns >= older_than_ns) break;
    result.segments_removed += 1;
    result.through_segment = segs[i].segment;
    last_hash = next.prev_hash;
  }
  if (result.segments_removed == 0) return result;

  Prune p{result.segments_removed, result.through_segment, hash_hex(*last_hash)};
  auto seq = append(RecordType::kPrune, wall_ns(), encode_prune(p));
  if (!seq.ok()) return seq.status();
  // The prune record is durable before any file goes.
  Status s = seg_->sync(0, pos_);
  if (!s.ok()) {
    fail(s);
    return s;
  }
  for (size_t i = 0; i < result.segments_removed; ++i) {
    if (::unlink(segs[i].path.c_str()) != 0 && errno != ENOENT) {
      return Status::Io("audit: cannot remove " + segs[i].path + ": " + std::strerror(errno));
    }
  }
  (void)sync_dir(stream_dir_);
  spdlog::info("audit: stream {}: retention removed {} segments through {}", opts_.stream,
               result.segments_removed, result.through_segment);
  return result;
}

void StreamWriterImpl::request_sync(uint64_t seq, std::function<void(bool ok)> done) {
  {
    std::lock_guard lk(req_mu_);
    requests_.push_back({seq, std::move(done)});
  }
  req_cv_.notify_one();
}

void StreamWriterImpl::sync_once() {
  std::lock_guard lk(seg_mu_);
  if (!seg_ || sync_failed_.load(std::memory_order_acquire)) return;
  const uint64_t seq = published_seq_.load(std::memory_order_acquire);
  const uint64_t end = published_end_.load(std::memory_order_acquire);
  if (end <= synced_end_ && seq <= durable_seq_.load(std::memory_order_relaxed)) return;
  const auto started = std::chrono::steady_clock::now();
  Status s = seg_->check_linked();
  if (s.ok()) s = seg_->sync(synced_end_, end);
  sync_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!s.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    sync_error_ = s.message();
    sync_failed_.store(true, std::memory_order_release);
    return;
  }
  synced_end_ = end;
  seg_->map_ahead(end);
  if (seq > durable_seq_.load(std::memory_order_relaxed)) {
    durable_seq_.store(seq, std::memory_order_release);
  }
}

void StreamWriterImpl::complete(std::vector<SyncRequest>& waiting, bool final) {
  if (waiting.empty()) return;
  const uint64_t durable = durable_seq_.load(std::memory_order_acquire);
  const bool failed = sync_failed_.load(std::memory_order_acquire);
  uint64_t lost_lo, lost_hi;
  {
    std::lock_guard lk(seg_mu_);
    lost_lo = lost_lo_;
    lost_hi = lost_hi_;
  }
  std::vector<SyncRequest> keep;
  for (SyncRequest& r : waiting) {
    if (r.seq >= lost_lo && r.seq <= lost_hi) {
      r.done(false);
    } else if (r.seq <= durable) {
      r.done(true);
    } else if (failed || final) {
      r.done(false);
    } else {
      keep.push_back(std::move(r));
    }
  }
  waiting.swap(keep);
}

void StreamWriterImpl::syncer_main() {
  std::vector<SyncRequest> waiting;
  while (true) {
    bool stop;
    {
      std::unique_lock lk(req_mu_);
      req_cv_.wait_for(lk, opts_.sync_interval, [&] { return stop_ || !requests_.empty(); });
      // Requests made from here on wait for the next round: a group commit.
      for (SyncRequest& r : requests_) waiting.push_back(std::move(r));
      requests_.clear();
      stop = stop_;
    }
    sync_once();
    complete(waiting, stop);
    if (stop) break;
  }
}

void StreamWriterImpl::stop_syncer() {
  if (!syncer_.joinable()) return;
  {
    std::lock_guard lk(req_mu_);
    stop_ = true;
  }
  req_cv_.notify_one();
  syncer_.join();
  // Requests that came after the syncer's last round.
  std::vector<SyncRequest> late;
  {
    std::lock_guard lk(req_mu_);
    late.swap(requests_);
  }
  complete(late, true);
}

}  // namespace

Result<std::unique_ptr<StreamWriter>> StreamWriter::open(const WriterOptions& opts) {
  auto w = std::make_unique<StreamWriterImpl>(opts);
  Status s = w->init();
  if (!s.ok()) return s;
  return std::unique_ptr<StreamWriter>(std::move(w));
}

}  // namespace gh::audit
