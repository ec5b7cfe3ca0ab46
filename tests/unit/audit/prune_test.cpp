// Retention: whole old segments go, a prune record carries the removed chain's last hash,
// and verify still proves everything that remains.

#include <gtest/gtest.h>

#include <thread>

#include "audit/writer.h"
#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;
namespace fs = std::filesystem;

int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PruneTest : public AuditTest {
 protected:
  void append_n(StreamWriter& w, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(w.append(RecordType::kStatement, wall_now(), test::statement_payload(i)).ok());
    }
  }
  // Writes old segments, then (after `cutoff_`) newer ones; leaves the writer open.
  std::unique_ptr<StreamWriter> old_and_new() {
    auto w = open(options(0, 4096));
    append_n(*w, 40);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cutoff_ = wall_now();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    append_n(*w, 30);
    return w;
  }
  std::vector<RecordView> prunes() {
    std::vector<RecordView> out;
    std::vector<std::string> payloads;
    ReadOptions o;
    o.stream = 0;
    read_records(dir_, o, [&](const RecordView& r) {
      if (r.type == RecordType::kPrune) {
        payloads.emplace_back(r.payload);
        out.push_back(r);
      }
      return true;
    });
    prune_payloads_ = payloads;
    return out;
  }

  int64_t cutoff_ = 0;
  std::vector<std::string> prune_payloads_;
};

TEST_F(PruneTest, RemovesOldClosedSegmentsAndTheRestStillVerifies) {
  auto w = old_and_new();
  auto before = segments_of(0);
  ASSERT_GE(before.size(), 6u);
  auto r = w->prune(cutoff_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_GT(r->segments_removed, 1u);
  EXPECT_EQ(r->through_segment, r->segments_removed - 1);
  auto after = segments_of(0);
  EXPECT_EQ(after.front(), r->through_segment + 1);
  EXPECT_EQ(after.size() + r->segments_removed, before.size());
  // Every removed segment was closed before the cut-off; the first kept one was not.
  auto first_kept = test::load_segment(seg_path(0, after.front()));
  EXPECT_LT(first_kept.header.created_ns, cutoff_);
  if (after.size() > 1) {
    EXPECT_GE(test::load_segment(seg_path(0, after[1])).header.created_ns, cutoff_);
  }

  ASSERT_EQ(prunes().size(), 1u);
  auto p = parse_prune(prune_payloads_[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->segments_removed, r->segments_removed);
  EXPECT_EQ(p->last_hash, hash_hex(first_kept.header.prev_hash));

  VerifyReport v = run_verify();
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_GT(v.store_checkpoints_pruned, 0u);
  ASSERT_TRUE(w->close().ok());
  w.reset();
  write_stream(0, 5);  // and after a restart
  v = run_verify();
  EXPECT_TRUE(v.ok()) << v.summary();
}

TEST_F(PruneTest, NothingToPruneWritesNothing) {
  auto w = old_and_new();
  auto r = w->prune(0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments_removed, 0u);
  EXPECT_TRUE(prunes().empty());
  // Never the segment being written, however old the cut-off says it is.
  r = w->prune(wall_now() + 1'000'000'000'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(segments_of(0), std::vector<uint64_t>{w->segment()});
  EXPECT_TRUE(run_verify().ok()) << run_verify().summary();
}

TEST_F(PruneTest, RetentionRunsFromTick) {
  auto o = options(0, 4096);
  o.retention = std::chrono::seconds(1);
  auto w = open(o);
  append_n(*w, 40);
  auto before = segments_of(0).size();
  w->tick(wall_now() + 10'000'000'000);
  EXPECT_EQ(segments_of(0).size(), 1u + (w->segment() - segments_of(0).front()));
  EXPECT_LT(segments_of(0).size(), before);
  EXPECT_EQ(prunes().size(), 1u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_TRUE(run_verify().ok()) << run_verify().summary();
}

TEST_F(PruneTest, InterruptedPruneStillVerifies) {
  auto w = old_and_new();
  // Keep a copy of what will be removed, then put the newest removed one back, as if
  // the process died while unlinking oldest-first.
  auto snapshot = root_ / "snap";
  fs::copy(fs::path(dir_) / "stream-0", snapshot);
  auto r = w->prune(cutoff_);
  ASSERT_TRUE(r.ok());
  ASSERT_GE(r->segments_removed, 2u);
  fs::copy_file(snapshot / segment_file_name(r->through_segment), seg_path(0, r->through_segment));
  VerifyReport v = run_verify();
  EXPECT_TRUE(v.ok()) << v.summary();
  // But a segment put back that does not match what the prune recorded is caught.
  auto img = test::load_segment(seg_path(0, r->through_segment));
  img.records[1].payload = test::statement_payload(777);
  ChainHash h = img.header.prev_hash;
  for (auto& rec : img.records) {
    if (rec.type == RecordType::kSegmentClose) {
      rec.payload = encode_segment_close({img.header.segment, rec.seq - 1, hash_hex(h)});
    }
    h = chain_hash(h, rec.type, rec.seq, rec.time_ns, rec.payload);
  }
  test::write_segment(seg_path(0, r->through_segment), img);
  v = run_verify();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.problems[0].segment, r->through_segment) << v.summary();
  store_.clear();
  v = run_verify();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.summary().find("does not link to"), std::string::npos) << v.summary();
  ASSERT_TRUE(w->close().ok());
}

TEST_F(PruneTest, SegmentsRemovedBeyondThePruneAreCaught) {
  auto w = old_and_new();
  auto r = w->prune(cutoff_);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(w->close().ok());
  uint64_t first = segments_of(0).front();
  fs::remove(seg_path(0, first));
  VerifyProblem p = only_problem(run_verify());
  EXPECT_EQ(p.segment, first + 1);
  EXPECT_EQ(p.what, "segments 0 to " + std::to_string(first) +
                        " are missing and no prune record accounts for them (removed?)");
}

TEST_F(PruneTest, SegmentsRemovedWithoutAPruneAreCaught) {
  write_stream(0, 40);
  fs::remove(seg_path(0, 0));
  fs::remove(seg_path(0, 1));
  VerifyProblem p = only_problem(run_verify());
  EXPECT_EQ(p.segment, 2u);
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.what, "segments 0 to 1 are missing and no prune record accounts for them (removed?)");
}

}  // namespace
}  // namespace gh::audit
