// Every kind of tampering the auditor must see, each named precisely: stream, segment
// file, record seq and offset, and what is wrong.

#include "audit/verify.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;
using test::SegmentImage;
namespace fs = std::filesystem;

class VerifyTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    write_stream(0, 60, /*checkpoint_every=*/10);
    write_stream(1, 30, /*checkpoint_every=*/10);
    segs0_ = segments_of(0);
    ASSERT_GE(segs0_.size(), 5u);
    VerifyReport r = run_verify();
    ASSERT_TRUE(r.ok()) << r.summary();
  }

  // Offset of record `index` in a segment image.
  static uint64_t offset_of(const SegmentImage& img, size_t index) {
    uint64_t off = kSegmentHeaderSize;
    for (size_t i = 0; i < index; ++i) off += record_size(img.records[i].payload.size());
    return off;
  }
  // Index of the first record of `type` at or after `from`.
  static size_t find(const SegmentImage& img, RecordType type, size_t from = 0) {
    for (size_t i = from; i < img.records.size(); ++i) {
      if (img.records[i].type == type) return i;
    }
    ADD_FAILURE() << "no " << record_type_name(type);
    return 0;
  }
  // What an attacker without the key does after editing: recompute the chain, the CRCs
  // and the segment.close payloads so that everything but signatures is consistent.
  static void forge(const fs::path& p, SegmentImage img) {
    ChainHash h = img.header.prev_hash;
    for (auto& r : img.records) {
      if (r.type == RecordType::kSegmentClose) {
        r.payload = encode_segment_close({img.header.segment, r.seq - 1, hash_hex(h)});
      }
      h = chain_hash(h, r.type, r.seq, r.time_ns, r.payload);
    }
    test::write_segment(p, img);
  }
  static void flip(const fs::path& p, uint64_t offset) {
    std::string b = test::read_file(p);
    b[offset] ^= 0x01;
    test::write_file(p, b);
  }
  void expect_problem(const VerifyProblem& p, uint32_t stream, std::optional<uint64_t> segment,
                      std::optional<uint64_t> seq, std::optional<uint64_t> offset,
                      const std::string& what_part) {
    EXPECT_EQ(p.stream, stream) << p.to_string();
    EXPECT_EQ(p.segment, segment) << p.to_string();
    EXPECT_EQ(p.seq, seq) << p.to_string();
    EXPECT_EQ(p.offset, offset) << p.to_string();
    EXPECT_NE(p.what.find(what_part), std::string::npos) << p.to_string();
    if (segment) {
      EXPECT_EQ(p.file, seg_path(stream, *segment).string());
    }
  }

  std::vector<uint64_t> segs0_;
};

TEST_F(VerifyTest, CleanLogReportsCounts) {
  VerifyReport r = run_verify();
  EXPECT_EQ(r.streams, 2u);
  EXPECT_EQ(r.segments, segs0_.size() + segments_of(1).size());
  EXPECT_GT(r.records, 90u);
  EXPECT_GE(r.checkpoints, 9u);
  EXPECT_EQ(r.store_checkpoints, store_.size());
  EXPECT_EQ(*r.first_time_ns, 1'700'000'000'000'000'000);
  EXPECT_NE(r.summary().find("audit log verified: 2 streams"), std::string::npos) << r.summary();
  EXPECT_NE(r.summary().find("2023-11-14T22:13:20.000Z to"), std::string::npos) << r.summary();
}

TEST_F(VerifyTest, FlippedByteInARecord) {
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  size_t i = find(img, RecordType::kStatement, 2);
  flip(p, offset_of(img, i) + 40);
  VerifyProblem pr = only_problem(run_verify());
  expect_problem(pr, 0, 2, img.records[i].seq, offset_of(img, i), "CRC mismatch");
  EXPECT_EQ(
      pr.to_string().rfind("stream 0, segment 0000000002.seg, record seq " +
                               std::to_string(img.records[i].seq) + " at offset " +
                               std::to_string(offset_of(img, i)) + ": bad record: CRC mismatch",
                           0),
      0u)
      << pr.to_string();
}

TEST_F(VerifyTest, FlippedByteInASegmentHeader) {
  flip(seg_path(0, 3), 20);
  expect_problem(only_problem(run_verify()), 0, 3, std::nullopt, 0, "segment header CRC mismatch");
}

TEST_F(VerifyTest, DeletedRecord) {
  auto p = seg_path(0, 1);
  SegmentImage img = test::load_segment(p);
  std::string b = test::read_file(p);
  size_t i = 3;
  uint64_t off = offset_of(img, i);
  b.erase(off, record_size(img.records[i].payload.size()));
  test::write_file(p, b);
  uint64_t seq = img.records[i].seq;
  expect_problem(only_problem(run_verify()), 0, 1, seq + 1, off,
                 "seq " + std::to_string(seq + 1) + " where " + std::to_string(seq) +
                     " was expected: records " + std::to_string(seq) + " to " +
                     std::to_string(seq) + " are missing");
}

TEST_F(VerifyTest, DeletedRecordWithRecomputedChainIsCaughtByTheSignedCheckpoints) {
  auto p = seg_path(0, 1);
  SegmentImage img = test::load_segment(p);
  img.records.erase(img.records.begin() + 3);
  for (size_t k = 3; k < img.records.size(); ++k) img.records[k].seq -= 1;
  forge(p, img);
  // The in-log checkpoint after the gap was signed for another seq.
  size_t c = find(img, RecordType::kCheckpoint, 1);
  expect_problem(only_problem(run_verify()), 0, 1, img.records[c].seq, offset_of(img, c),
                 "(replayed checkpoint, or records before it deleted or inserted)");
}

TEST_F(VerifyTest, TruncatedSegmentInsideARecord) {
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  uint64_t off = offset_of(img, 4);
  fs::resize_file(p, off + 100);
  expect_problem(only_problem(run_verify()), 0, 2, img.records[4].seq, off, "cut short: record of");
}

TEST_F(VerifyTest, TruncatedSegmentAtARecordBoundary) {
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  uint64_t off = offset_of(img, 4);
  fs::resize_file(p, off);
  expect_problem(only_problem(run_verify()), 0, 2, std::nullopt, off,
                 "ends after seq " + std::to_string(img.records[3].seq) +
                     " without a segment.close record (truncated?)");
}

TEST_F(VerifyTest, TruncatedLastSegmentIsCaughtByTheStoreCheckpoints) {
  uint64_t last = segs0_.back();
  auto p = seg_path(0, last);
  SegmentImage img = test::load_segment(p);
  fs::resize_file(p, offset_of(img, img.records.size() - 2));
  VerifyProblem pr = only_problem(run_verify());
  uint64_t close_seq = img.records.back().seq;
  expect_problem(pr, 0, last, close_seq, std::nullopt, "the store has a checkpoint (signed ");
  EXPECT_NE(
      pr.what.find("for seq " + std::to_string(close_seq) + " in segment " + std::to_string(last) +
                   ", but the stream ends at seq " + std::to_string(close_seq - 2)),
      std::string::npos)
      << pr.to_string();
}

TEST_F(VerifyTest, RemovedMiddleSegment) {
  fs::remove(seg_path(0, 2));
  expect_problem(only_problem(run_verify()), 0, 3, std::nullopt, std::nullopt,
                 "segments 2 to 2 are missing between 0000000001.seg and this file (removed?)");
}

TEST_F(VerifyTest, RemovedLastSegmentIsCaughtByTheStoreCheckpoints) {
  uint64_t last = segs0_.back();
  SegmentImage img = test::load_segment(seg_path(0, last));
  fs::remove(seg_path(0, last));
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.segment, last - 1) << pr.to_string();          // where the stream now ends
  EXPECT_GE(pr.seq, img.header.first_seq) << pr.to_string();  // a record of the lost segment
  EXPECT_NE(pr.what.find("records or segments removed from its end"), std::string::npos)
      << pr.to_string();
}

TEST_F(VerifyTest, ReorderedSegments) {
  fs::rename(seg_path(0, 1), root_ / "tmp");
  fs::rename(seg_path(0, 2), seg_path(0, 1));
  fs::rename(root_ / "tmp", seg_path(0, 2));
  expect_problem(only_problem(run_verify()), 0, 1, std::nullopt, 0,
                 "the file holds segment 2 (files renamed or reordered?)");
}

TEST_F(VerifyTest, ReorderedSegmentsWithRewrittenHeaders) {
  SegmentImage a = test::load_segment(seg_path(0, 1));
  SegmentImage b = test::load_segment(seg_path(0, 2));
  std::swap(a.header.segment, b.header.segment);
  test::write_segment(seg_path(0, 2), a);
  test::write_segment(seg_path(0, 1), b);
  expect_problem(only_problem(run_verify()), 0, 1, std::nullopt, 0,
                 "does not link to 0000000000.seg");
}

TEST_F(VerifyTest, RecordSplicedInFromAnotherStream) {
  // Stream 1's record with the same seq, bytes and CRC intact, in place of stream 0's.
  SegmentImage other = test::load_segment(seg_path(1, 1));
  size_t j = find(other, RecordType::kStatement, 2);
  uint64_t seq = other.records[j].seq;
  std::string other_bytes = test::read_file(seg_path(1, 1));
  std::string rec =
      other_bytes.substr(offset_of(other, j), record_size(other.records[j].payload.size()));
  for (uint64_t s : segs0_) {
    auto p = seg_path(0, s);
    SegmentImage img = test::load_segment(p);
    for (size_t i = 0; i < img.records.size(); ++i) {
      if (img.records[i].seq != seq) continue;
      std::string b = test::read_file(p);
      uint64_t off = offset_of(img, i);
      b.replace(off, record_size(img.records[i].payload.size()), rec);
      test::write_file(p, b);
      expect_problem(only_problem(run_verify()), 0, s, seq, off,
                     "chain hash mismatch: the record says");
      return;
    }
  }
  FAIL() << "seq " << seq << " not in stream 0";
}

TEST_F(VerifyTest, ForgedCheckpointInTheLog) {
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  size_t i = find(img, RecordType::kCheckpoint);
  auto cp = parse_checkpoint(img.records[i].payload);
  ASSERT_TRUE(cp);
  auto other_key = Signer::generate();
  (*other_key)->sign(*cp);
  img.records[i].payload = encode_checkpoint(*cp);
  forge(p, img);
  expect_problem(only_problem(run_verify()), 0, 2, img.records[i].seq, offset_of(img, i),
                 "checkpoint signature is not valid for the public key");
}

TEST_F(VerifyTest, ForgedCheckpointInTheStore) {
  Checkpoint cp = store_.back();
  cp.hash_hex = std::string(64, 'f');
  (*Signer::generate())->sign(cp);
  store_.push_back(cp);
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.stream, cp.stream);
  EXPECT_EQ(pr.seq, cp.seq);
  EXPECT_NE(pr.what.find("the store's checkpoint"), std::string::npos);
  EXPECT_NE(pr.what.find("signature that is not valid"), std::string::npos) << pr.to_string();
}

TEST_F(VerifyTest, CheckpointReplayedFromAnotherStream) {
  // A valid, signed checkpoint record of stream 1 put into stream 0 (chain recomputed).
  SegmentImage other = test::load_segment(seg_path(1, 1));
  std::string replayed = other.records[find(other, RecordType::kCheckpoint)].payload;
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  size_t i = find(img, RecordType::kCheckpoint);
  img.records[i].payload = replayed;
  forge(p, img);
  expect_problem(only_problem(run_verify()), 0, 2, img.records[i].seq, offset_of(img, i),
                 "appears in stream 0 (replayed checkpoint)");
}

TEST_F(VerifyTest, CheckpointReplayedToAnotherPositionInTheSameStream) {
  SegmentImage first = test::load_segment(seg_path(0, 1));
  std::string replayed = first.records[find(first, RecordType::kCheckpoint)].payload;
  auto p = seg_path(0, 3);
  SegmentImage img = test::load_segment(p);
  size_t i = find(img, RecordType::kStatement);
  img.records[i].type = RecordType::kCheckpoint;
  img.records[i].payload = replayed;
  forge(p, img);
  expect_problem(only_problem(run_verify()), 0, 3, img.records[i].seq, offset_of(img, i),
                 "checkpoint signed for seq " + std::to_string(parse_checkpoint(replayed)->seq) +
                     " appears after seq " + std::to_string(img.records[i].seq - 1) +
                     " (replayed checkpoint");
}

TEST_F(VerifyTest, StoreCheckpointReplayedFromAnotherLog) {
  // Same key, another log (an older copy, say): valid signature, wrong hash for this log.
  std::vector<Checkpoint> mine = store_;
  std::string keep = dir_;
  dir_ = (root_ / "other").string();
  store_.clear();
  write_stream(0, 60, 10);
  Checkpoint foreign = store_[2];
  dir_ = keep;
  store_ = mine;
  store_.push_back(foreign);
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.seq, foreign.seq);
  EXPECT_NE(pr.what.find("the log was rewritten after it was checkpointed"), std::string::npos)
      << pr.to_string();
}

TEST_F(VerifyTest, RewrittenTailWithRecomputedChainIsCaughtByTheInStreamCheckpoint) {
  auto p = seg_path(0, 2);
  SegmentImage img = test::load_segment(p);
  size_t i = find(img, RecordType::kStatement);
  img.records[i].payload = test::statement_payload(999999);
  forge(p, img);
  store_.clear();  // the store's copies would catch it first (next test)
  // Chain, CRCs and the segment.close are consistent; the signed checkpoint is not.
  size_t c = find(img, RecordType::kCheckpoint, i);
  expect_problem(only_problem(run_verify()), 0, 2, img.records[c].seq, offset_of(img, c),
                 "(records before it were rewritten)");
}

TEST_F(VerifyTest, RewrittenTailWithoutItsCheckpointsIsCaughtByTheStore) {
  // The attacker drops the in-log checkpoints too: only the store's copies remain.
  uint64_t last = segs0_.back();
  auto p = seg_path(0, last);
  SegmentImage img = test::load_segment(p);
  std::vector<SegmentImage::Rec> kept;
  for (auto r : img.records) {
    if (r.type == RecordType::kCheckpoint) continue;
    r.seq = img.header.first_seq + kept.size();
    if (r.type == RecordType::kStatement) r.payload = test::statement_payload(-1);
    kept.push_back(r);
  }
  img.records = kept;
  forge(p, img);
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.segment, last);
  EXPECT_TRUE(pr.what.find("the log was rewritten after it was checkpointed") !=
                  std::string::npos ||
              pr.what.find("records or segments removed from its end") != std::string::npos)
      << pr.to_string();
}

TEST_F(VerifyTest, GarbageAfterTheLastRecord) {
  uint64_t last = segs0_.back();
  auto p = seg_path(0, last);
  uint64_t size = fs::file_size(p);
  std::string b = test::read_file(p) + std::string(100, '\0') + "junk";
  test::write_file(p, b);
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.segment, last);
  EXPECT_EQ(pr.offset, size + 100);
  EXPECT_NE(pr.what.find("4 bytes after the last valid record"), std::string::npos)
      << pr.to_string();
}

TEST_F(VerifyTest, MissingStreamDirectoryWithStoreCheckpoints) {
  fs::remove_all(fs::path(dir_) / "stream-1");
  VerifyProblem pr = only_problem(run_verify());
  EXPECT_EQ(pr.stream, 1u);
  EXPECT_NE(pr.what.find("its directory stream-1 is missing"), std::string::npos) << pr.to_string();
  VerifyReport none = verify((root_ / "nowhere").string(), test::test_verifier(), {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.problems[0].what.find("does not exist"), std::string::npos);
}

TEST_F(VerifyTest, SinceSkipsSegmentsClosedBeforeIt) {
  // Segment creation times are wall-clock; cut between segment 2 and 3.
  SegmentImage s3 = test::load_segment(seg_path(0, 3));
  VerifyReport r = run_verify(s3.header.created_ns);
  EXPECT_TRUE(r.ok()) << r.summary();
  EXPECT_GE(r.segments_skipped, 1u);
  EXPECT_LT(r.segments, segs0_.size() + segments_of(1).size());
}

TEST_F(VerifyTest, ArbitraryDamageNeverCrashesAndIsAlwaysReported) {
  // A sweep of single-byte changes across a whole segment file.
  auto p = seg_path(0, 1);
  std::string orig = test::read_file(p);
  for (size_t off = 0; off < orig.size(); off += 37) {
    std::string b = orig;
    b[off] = static_cast<char>(b[off] + 1);
    test::write_file(p, b);
    VerifyReport r = run_verify();
    ASSERT_FALSE(r.ok()) << "offset " << off;
    EXPECT_EQ(r.problems[0].stream, 0u);
    EXPECT_EQ(r.problems[0].segment, 1u) << r.problems[0].to_string();
  }
}

}  // namespace
}  // namespace gh::audit
