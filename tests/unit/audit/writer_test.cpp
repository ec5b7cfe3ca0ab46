#include "audit/writer.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "audit/admin_stream.h"
#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;
namespace fs = std::filesystem;

class WriterTest : public AuditTest {
 protected:
  // Every record of a stream, in order.
  std::vector<test::SegmentImage::Rec> records_of(uint32_t stream) {
    std::vector<test::SegmentImage::Rec> out;
    ReadOptions o;
    o.stream = stream;
    EXPECT_TRUE(read_records(dir_, o, [&](const RecordView& r) {
                  out.push_back({r.type, r.seq, r.time_ns, std::string(r.payload)});
                  return true;
                }).ok());
    return out;
  }
  void expect_verified() {
    VerifyReport r = run_verify();
    EXPECT_TRUE(r.ok()) << r.summary();
  }
};

TEST_F(WriterTest, AppendsRecordsThatReadBackAndVerify) {
  auto w = open(options(0, 1 << 20));
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->healthy());
  EXPECT_EQ(w->last_seq(), 0u);
  for (int i = 0; i < 100; ++i) {
    auto seq = w->append(RecordType::kStatement, 1000 + i, test::statement_payload(i));
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, static_cast<uint64_t>(i + 1));
  }
  // Visible to a reader at once (the page cache), before any sync.
  auto recs = records_of(0);
  ASSERT_EQ(recs.size(), 100u);
  EXPECT_EQ(recs[42].payload, test::statement_payload(42));
  EXPECT_EQ(recs[42].time_ns, 1042);
  ASSERT_TRUE(w->close().ok());
  EXPECT_FALSE(w->healthy());
  EXPECT_EQ(w->append(RecordType::kStatement, 1, "{}").status().code(), Status::Code::kUnavailable);
  // The closed segment is cut to its used length and ends with segment.close.
  recs = records_of(0);
  EXPECT_EQ(recs.back().type, RecordType::kSegmentClose);
  uint64_t used = kSegmentHeaderSize;
  for (const auto& r : recs) used += record_size(r.payload.size());
  EXPECT_EQ(fs::file_size(seg_path(0, 0)), used);
  // close() handed the store a checkpoint of the close record.
  ASSERT_EQ(store_.size(), 1u);
  EXPECT_EQ(store_[0].seq, 101u);
  expect_verified();
}

// Pages of the segment mapped in this process (present in /proc/self/pagemap).
size_t mapped_pages(const fs::path& segment) {
  std::ifstream maps("/proc/self/maps");
  int pagemap = ::open("/proc/self/pagemap", O_RDONLY);
  size_t n = 0;
  std::string line;
  while (std::getline(maps, line)) {
    if (!line.ends_with(segment.string())) continue;
    unsigned long from = 0, to = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &from, &to) != 2) continue;
    for (unsigned long a = from; a < to; a += 4096) {
      uint64_t entry = 0;
      if (::pread(pagemap, &entry, sizeof entry, static_cast<off_t>(a / 4096 * 8)) == 8)
        n += entry >> 63;
    }
  }
  ::close(pagemap);
  return n;
}

// Synced pages leave the writer's mapping: its RSS does not grow with the segment (only the
// pages the syncer maps ahead of the writer, at most 256 KB, stay).
TEST_F(WriterTest, SyncedPagesLeaveTheMapping) {
  auto w = open(options(0, 16 << 20));
  ASSERT_NE(w, nullptr);
  for (int i = 0; i < 8000; ++i) {
    ASSERT_TRUE(w->append(RecordType::kStatement, 1, test::statement_payload(i)).ok());
    if (i % 100 == 99) {
      ASSERT_TRUE(w->sync_now());
    }
  }
  ASSERT_TRUE(w->sync_now());
  EXPECT_LE(mapped_pages(seg_path(0, 0)), 256 / 4 + 1u);  // of ~650 written
}

TEST_F(WriterTest, RotatesWhenFullClosingAndCheckpointingEachSegment) {
  write_stream(0, 60, /*checkpoint_every=*/0, /*segment_bytes=*/4096);
  auto segs = segments_of(0);
  ASSERT_GE(segs.size(), 5u);
  std::vector<uint64_t> closes;
  for (uint64_t s : segs) {
    auto img = test::load_segment(seg_path(0, s));
    EXPECT_LE(fs::file_size(seg_path(0, s)), 4096u);
    ASSERT_FALSE(img.records.empty());
    EXPECT_EQ(img.records.back().type, RecordType::kSegmentClose) << s;
    closes.push_back(img.records.back().seq);
    if (s > 0) {
      // A new segment starts with the checkpoint of the previous one's close record.
      EXPECT_EQ(img.records.front().type, RecordType::kCheckpoint);
      auto cp = parse_checkpoint(img.records.front().payload);
      ASSERT_TRUE(cp);
      EXPECT_EQ(cp->segment, s - 1);
      EXPECT_EQ(cp->seq, img.header.first_seq - 1);
      EXPECT_TRUE(test::test_verifier().verify(*cp));
    }
  }
  // The store got every close checkpoint, in order.
  ASSERT_EQ(store_.size(), closes.size());
  for (size_t i = 0; i < closes.size(); ++i) EXPECT_EQ(store_[i].seq, closes[i]);
  expect_verified();
  VerifyReport r = run_verify();
  EXPECT_EQ(r.segments, segs.size());
  EXPECT_EQ(r.store_checkpoints, store_.size());
}

TEST_F(WriterTest, RestartContinuesTheChainInANewSegment) {
  write_stream(0, 10, 0, 1 << 16);
  write_stream(0, 10, 0, 1 << 16);
  EXPECT_EQ(segments_of(0), (std::vector<uint64_t>{0, 1}));
  auto recs = records_of(0);
  for (size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].seq, i + 1);
  for (const auto& r : recs) EXPECT_NE(r.type, RecordType::kRecovery);
  auto img = test::load_segment(seg_path(0, 1));
  EXPECT_EQ(img.header.first_seq, 12u);  // 10 statements + close
  expect_verified();
}

TEST_F(WriterTest, CrashWithoutCloseIsRecoveredOnOpen) {
  write_stream(0, 10, 0, 1 << 16, /*close=*/false);  // destroyed without close(): a crash
  auto w = open(options(0, 1 << 16));
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->append(RecordType::kStatement, 5, test::statement_payload(99)).ok());
  ASSERT_TRUE(w->close().ok());
  auto old = test::load_segment(seg_path(0, 0));
  EXPECT_EQ(old.records.back().type, RecordType::kSegmentClose);
  auto next = test::load_segment(seg_path(0, 1));
  ASSERT_GE(next.records.size(), 3u);
  EXPECT_EQ(next.records[0].type, RecordType::kCheckpoint);
  EXPECT_EQ(next.records[1].type, RecordType::kRecovery);
  auto rec = parse_recovery(next.records[1].payload);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->segment, 0u);
  EXPECT_EQ(rec->bytes_dropped, 0u);
  VerifyReport r = run_verify();
  EXPECT_TRUE(r.ok()) << r.summary();
  EXPECT_EQ(r.recoveries, 1u);
}

TEST_F(WriterTest, TornTailIsCutSavedAndNoted) {
  write_stream(0, 10, 0, 1 << 16, /*close=*/false);
  // Half of an 11th record, as a kill during the memcpy would leave it.
  auto path = seg_path(0, 0);
  std::string bytes = test::read_file(path);
  ASSERT_EQ(bytes.size(), 1u << 16);  // still preallocated: never closed
  size_t end = kSegmentHeaderSize;
  for (const auto& r : test::load_segment(path).records) end += record_size(r.payload.size());
  ChainHash unused;
  std::string torn = encode_record(ChainHash{}, RecordType::kStatement, 11, 1,
                                   test::statement_payload(11), &unused)
                         .substr(0, 150);
  bytes.replace(end, torn.size(), torn);
  test::write_file(path, bytes);

  auto w = open(options(0, 1 << 16));
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->close().ok());
  auto next = test::load_segment(seg_path(0, 1));
  auto rec = parse_recovery(next.records[1].payload);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->bytes_dropped, 150u);
  EXPECT_EQ(test::read_file(path.string() + ".torn"), torn);
  EXPECT_EQ(test::load_segment(path).records.size(), 11u);  // 10 + the close record
  expect_verified();
}

TEST_F(WriterTest, PeriodicCheckpointsAreSignedInStreamAndStoredOnceDurable) {
  auto o = options(0, 1 << 20);
  o.checkpoint_interval = std::chrono::milliseconds(5000);
  auto w = open(o);
  ASSERT_NE(w, nullptr);
  int64_t t = 1'000'000'000'000;
  w->tick(t);  // nothing appended yet: no checkpoint
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->append(RecordType::kStatement, t, "{}").ok());
  w->tick(t);                  // first checkpoint
  w->tick(t + 1'000'000'000);  // interval not passed
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->append(RecordType::kStatement, t, "{}").ok());
  w->tick(t + 1'000'000'000);
  w->tick(t + 6'000'000'000);   // second
  w->tick(t + 12'000'000'000);  // idle since: none
  int in_stream = 0;
  for (const auto& r : records_of(0)) {
    if (r.type != RecordType::kCheckpoint) continue;
    ++in_stream;
    auto cp = parse_checkpoint(r.payload);
    ASSERT_TRUE(cp);
    EXPECT_EQ(cp->seq + 1, r.seq);
  }
  EXPECT_EQ(in_stream, 2);
  // Durable within a few sync intervals; the next tick hands them to the store.
  std::promise<bool> synced;
  w->request_sync(w->last_seq(), [&](bool ok) { synced.set_value(ok); });
  EXPECT_TRUE(synced.get_future().get());
  w->tick(t + 13'000'000'000);
  ASSERT_EQ(store_.size(), 2u);
  EXPECT_EQ(store_[0].seq, 5u);
  EXPECT_EQ(store_[1].seq, 11u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_EQ(store_.size(), 3u);
  expect_verified();
}

TEST_F(WriterTest, GroupCommitFromManyThreads) {
  auto w = open(options(0, 1 << 20));
  ASSERT_NE(w, nullptr);
  std::atomic<int> ok{0};
  std::vector<std::promise<void>> done(200);
  std::vector<std::thread> threads;
  for (int i = 0; i < 200; ++i) {
    auto seq = w->append(RecordType::kStatement, i, test::statement_payload(i));
    ASSERT_TRUE(seq.ok());
    threads.emplace_back([&, i, s = *seq] {
      w->request_sync(s, [&, i](bool good) {
        ok += good;
        done[i].set_value();
      });
    });
  }
  for (auto& t : threads) t.join();
  for (auto& d : done) d.get_future().wait();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_GE(w->durable_seq(), 200u);
  ASSERT_TRUE(w->close().ok());
}

TEST_F(WriterTest, OversizedPayloadIsInvalidAndTheWriterStaysHealthy) {
  auto w = open(options(0, 4096));
  ASSERT_NE(w, nullptr);
  auto r = w->append(RecordType::kStatement, 1, std::string(5000, 'x'));
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_TRUE(w->healthy());
  EXPECT_TRUE(w->append(RecordType::kStatement, 1, "{}").ok());
  // The largest allowed payload fits (in a fresh segment).
  std::string big(3000, 'y');
  EXPECT_TRUE(w->append(RecordType::kStatement, 1, big).ok());
  ASSERT_TRUE(w->close().ok());
  expect_verified();
}

TEST_F(WriterTest, OneWriterPerStreamAcrossProcessesAndThreads) {
  auto w = open(options(3));
  ASSERT_NE(w, nullptr);
  auto second = StreamWriter::open(options(3));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().message().find("being written by another process"), std::string::npos);
  ASSERT_TRUE(w->close().ok());
  w.reset();
  EXPECT_TRUE(StreamWriter::open(options(3)).ok());
}

TEST_F(WriterTest, AdminStreamSerialisesConcurrentCliWriters) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::mutex mu;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto seq = append_admin_record(
          dir_, &test::test_signer(), RecordType::kKeyCreated, 1000 + i,
          R"({"name":"k)" + std::to_string(i) + R"(","owner":"ops","groups":[],"expires":null})",
          [&](const Checkpoint& cp) {
            std::lock_guard lk(mu);
            store_.push_back(cp);
          });
      ok += seq.ok();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(segments_of(kAdminStream).size(), 4u);
  int keys = 0;
  for (const auto& r : records_of(kAdminStream)) keys += r.type == RecordType::kKeyCreated;
  EXPECT_EQ(keys, 4);
  EXPECT_EQ(store_.size(), 4u);
  expect_verified();
}

}  // namespace
}  // namespace gh::audit
