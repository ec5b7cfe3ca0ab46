#include "audit/reader.h"

#include <gtest/gtest.h>

#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;

// A segment built by hand: header + records, optionally zero-filled to `fill`.
std::string make_segment(int records, size_t fill = 0, uint32_t stream = 0) {
  std::string out(kSegmentHeaderSize, '\0');
  SegmentHeader h;
  h.stream = stream;
  h.prev_hash = genesis_hash(stream);
  encode_segment_header(h, out.data());
  ChainHash prev = h.prev_hash;
  for (int i = 0; i < records; ++i) {
    out += encode_record(prev, RecordType::kStatement, kFirstSeq + i, 1000 + i,
                         test::statement_payload(i), &prev);
  }
  if (out.size() < fill) out.resize(fill, '\0');
  return out;
}

std::vector<RecordView> read_all(std::string_view bytes, Status* status) {
  auto r = SegmentReader::from_memory(bytes);
  SegmentHeader h;
  std::vector<RecordView> out;
  *status = r->read_header(&h);
  if (!status->ok()) return out;
  RecordView v;
  while (r->next(&v)) out.push_back(v);
  *status = r->status();
  return out;
}

TEST(SegmentReader, ReadsRecordsAndStopsCleanlyAtZeroFillOrEof) {
  for (size_t fill : {size_t{0}, size_t{8192}}) {
    std::string seg = make_segment(5, fill);
    Status s;
    auto recs = read_all(seg, &s);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(recs.size(), 5u);
    EXPECT_EQ(recs[0].offset, kSegmentHeaderSize);
    EXPECT_EQ(recs[4].seq, 5u);
    EXPECT_EQ(recs[4].time_ns, 1004);
    EXPECT_EQ(recs[4].payload, test::statement_payload(4));
    EXPECT_EQ(recs[4].type, RecordType::kStatement);
  }
}

TEST(SegmentReader, EveryTruncationEndsWithAClearErrorNeverACrash) {
  std::string seg = make_segment(3);
  for (size_t n = 0; n < seg.size(); ++n) {
    Status s;
    auto recs = read_all(std::string_view(seg).substr(0, n), &s);
    if (n < kSegmentHeaderSize) {
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << n;
      continue;
    }
    size_t whole = 0, off = kSegmentHeaderSize;
    for (int i = 0; i < 3; ++i) {
      size_t sz = record_size(test::statement_payload(i).size());
      if (off + sz <= n) {
        ++whole;
        off += sz;
      }
    }
    EXPECT_EQ(recs.size(), whole) << n;
    if (off == n) {
      EXPECT_TRUE(s.ok()) << n << " " << s.message();
    } else {
      EXPECT_EQ(s.code(), Status::Code::kCorruption) << n;
      EXPECT_NE(s.message().find("record at offset " + std::to_string(off) + ": cut short"),
                std::string::npos)
          << s.message();
    }
  }
}

TEST(SegmentReader, FlippedBitsAreCaughtByTheCrc) {
  std::string seg = make_segment(2);
  for (size_t i = kSegmentHeaderSize; i < seg.size(); i += 3) {
    std::string bad = seg;
    bad[i] ^= 0x10;
    Status s;
    auto recs = read_all(bad, &s);
    EXPECT_FALSE(s.ok() && recs.size() == 2) << i;
  }
}

TEST(SegmentReader, HugeLengthIsRejectedBeforeAnyAllocation) {
  std::string seg = make_segment(1);
  store_le<uint32_t>(seg.data() + kSegmentHeaderSize + 4, 0xFFFFFFF0u);
  Status s;
  read_all(seg, &s);
  EXPECT_NE(s.message().find("exceeds the limit"), std::string::npos) << s.message();
  store_le<uint32_t>(seg.data() + kSegmentHeaderSize + 4, 1u << 22);
  read_all(seg, &s);
  EXPECT_NE(s.message().find("cut short: record of"), std::string::npos) << s.message();
}

TEST(SegmentReader, ReportsNonZeroBytesAfterTheEnd) {
  std::string seg = make_segment(2, 8192);
  size_t end = seg.find_last_not_of('\0') + 1;
  seg[end + 100] = 'x';
  auto r = SegmentReader::from_memory(seg);
  SegmentHeader h;
  ASSERT_TRUE(r->read_header(&h).ok());
  RecordView v;
  while (r->next(&v)) {
  }
  ASSERT_TRUE(r->status().ok());
  auto t = r->scan_trailing(r->end_offset());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->first_nonzero, end + 100);
  EXPECT_EQ(t->end, end + 101);
}

class ReadRecordsTest : public AuditTest {};

TEST_F(ReadRecordsTest, ListsStreamsAndReadsInOrderWithFilters) {
  write_stream(0, 30);
  write_stream(2, 5);
  std::filesystem::create_directories(std::filesystem::path(dir_) / "not-a-stream");
  auto streams = list_streams(dir_);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 2u);
  EXPECT_EQ((*streams)[1].stream, 2u);
  EXPECT_GT((*streams)[0].segments.size(), 1u);

  std::vector<std::pair<uint32_t, uint64_t>> seen;
  ASSERT_TRUE(read_records(dir_, {}, [&](const RecordView& r) {
                seen.emplace_back(r.stream, r.seq);
                return true;
              }).ok());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]);

  ReadOptions only2;
  only2.stream = 2;
  int statements = 0;
  ASSERT_TRUE(read_records(dir_, only2, [&](const RecordView& r) {
                EXPECT_EQ(r.stream, 2u);
                statements += r.type == RecordType::kStatement;
                return true;
              }).ok());
  EXPECT_EQ(statements, 5);

  ReadOptions window;
  window.since_ns = 1'700'000'000'000'000'010;
  window.until_ns = 1'700'000'000'000'000'020;
  int n = 0;
  ASSERT_TRUE(read_records(dir_, window, [&](const RecordView& r) {
                n += r.type == RecordType::kStatement && r.stream == 0;
                return true;
              }).ok());
  EXPECT_EQ(n, 10);

  EXPECT_EQ(
      read_records((root_ / "nope").string(), {}, [](const RecordView&) { return true; }).code(),
      Status::Code::kNotFound);
}

TEST_F(ReadRecordsTest, CorruptSegmentIsReportedAfterTheRestIsDelivered) {
  write_stream(0, 30);
  auto path = seg_path(0, 1);
  std::string bytes = test::read_file(path);
  bytes[kSegmentHeaderSize + 30] ^= 1;
  test::write_file(path, bytes);
  int n = 0;
  Status s = read_records(dir_, {}, [&](const RecordView&) {
    ++n;
    return true;
  });
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find(path.string() + ": record at offset 80: CRC mismatch"),
            std::string::npos)
      << s.message();
  EXPECT_GT(n, 20);
}

}  // namespace
}  // namespace gh::audit
