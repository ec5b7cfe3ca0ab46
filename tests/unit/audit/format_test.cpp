#include "audit/format.h"

#include <gtest/gtest.h>

#include "audit/control_records.h"
#include "audit/crc32c.h"
#include "audit/json.h"
#include "audit/reader.h"

namespace gh::audit {
namespace {

SegmentHeader sample_header() {
  SegmentHeader h;
  h.stream = 7;
  h.segment = 42;
  h.first_seq = 1234;
  h.created_ns = 1'718'000'000'123'456'789;
  h.prev_hash = genesis_hash(7);
  return h;
}

TEST(SegmentHeader, RoundTripsAndMatchesTheDocumentedLayout) {
  char buf[kSegmentHeaderSize];
  encode_segment_header(sample_header(), buf);
  EXPECT_EQ(std::string_view(buf, 8), "GHAUDSEG");
  EXPECT_EQ(load_le<uint16_t>(buf + 8), 1);
  EXPECT_EQ(load_le<uint16_t>(buf + 10), 80);
  EXPECT_EQ(load_le<uint32_t>(buf + 12), 7u);
  EXPECT_EQ(load_le<uint64_t>(buf + 16), 42u);
  EXPECT_EQ(load_le<uint64_t>(buf + 24), 1234u);
  EXPECT_EQ(load_le<uint32_t>(buf + 76), crc32c::value(buf, 76));
  SegmentHeader back;
  ASSERT_TRUE(decode_segment_header({buf, sizeof buf}, &back).ok());
  EXPECT_EQ(back.stream, 7u);
  EXPECT_EQ(back.segment, 42u);
  EXPECT_EQ(back.first_seq, 1234u);
  EXPECT_EQ(back.created_ns, 1'718'000'000'123'456'789);
  EXPECT_EQ(back.prev_hash, genesis_hash(7));
}

TEST(SegmentHeader, EveryBadHeaderSaysWhy) {
  char buf[kSegmentHeaderSize];
  encode_segment_header(sample_header(), buf);
  SegmentHeader h;
  Status s = decode_segment_header({buf, 40}, &h);
  EXPECT_EQ(s.message(), "segment header is cut short: 40 of 80 bytes");
  buf[0] = 'X';
  EXPECT_EQ(decode_segment_header({buf, sizeof buf}, &h).message(),
            "not an audit segment (bad magic)");
  buf[0] = 'G';
  buf[20] ^= 1;
  s = decode_segment_header({buf, sizeof buf}, &h);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("segment header CRC mismatch"), std::string::npos) << s.message();
}

TEST(Genesis, DependsOnTheStreamAndIsDocumented) {
  EXPECT_NE(genesis_hash(0), genesis_hash(1));
  std::string in = "gatehouse-audit-genesis";
  in.append("\x01\x00\x00\x00", 4);
  EXPECT_EQ(genesis_hash(1), crypto::sha256(in));
}

TEST(Record, LayoutCrcAndChainHashAsDocumented) {
  ChainHash prev = genesis_hash(0);
  ChainHash h;
  std::string rec = encode_record(prev, RecordType::kStatement, 5, 99, R"({"a":1})", &h);
  ASSERT_EQ(rec.size(), 57u + 7);
  EXPECT_EQ(load_le<uint32_t>(rec.data()), crc32c::value(rec.data() + 4, rec.size() - 4));
  EXPECT_EQ(load_le<uint32_t>(rec.data() + 4), 7u);
  EXPECT_EQ(static_cast<uint8_t>(rec[8]), 19);
  EXPECT_EQ(load_le<uint64_t>(rec.data() + 9), 5u);
  EXPECT_EQ(load_le<int64_t>(rec.data() + 17), 99);
  EXPECT_EQ(rec.substr(25, 7), R"({"a":1})");
  EXPECT_EQ(rec.substr(32, 32), std::string(reinterpret_cast<const char*>(h.data()), 32));
  // SHA-256(prev ‖ type ‖ seq ‖ time ‖ payload)
  std::string in(reinterpret_cast<const char*>(prev.data()), 32);
  in += rec.substr(8, 17 + 7);
  EXPECT_EQ(h, crypto::sha256(in));
  EXPECT_EQ(h, chain_hash(prev, RecordType::kStatement, 5, 99, R"({"a":1})"));
}

TEST(RecordType, NamesAreStableAndRoundTrip) {
  EXPECT_EQ(static_cast<int>(RecordType::kSessionStart), 16);
  EXPECT_EQ(static_cast<int>(RecordType::kKeyRevoked), 50);
  for (int v = 0; v < 256; ++v) {
    auto t = static_cast<RecordType>(v);
    std::string_view name = record_type_name(t);
    if (name == "unknown") continue;
    EXPECT_EQ(record_type_from_name(name), t) << name;
  }
  EXPECT_EQ(record_type_name(RecordType::kAuthFailure), "auth.failure");
  EXPECT_EQ(record_type_name(static_cast<RecordType>(200)), "unknown");
}

TEST(Names, SegmentAndStreamNamesParseOnlyInCanonicalForm) {
  EXPECT_EQ(segment_file_name(42), "0000000042.seg");
  EXPECT_EQ(parse_segment_file_name("0000000042.seg"), 42u);
  EXPECT_FALSE(parse_segment_file_name("000000042.seg"));
  EXPECT_FALSE(parse_segment_file_name("0000000042.seg.tmp"));
  EXPECT_FALSE(parse_segment_file_name("00000000+2.seg"));
  EXPECT_EQ(parse_stream_dir_name("stream-3"), 3u);
  EXPECT_EQ(parse_stream_dir_name("stream-65535"), 65535u);
  EXPECT_FALSE(parse_stream_dir_name("stream-03"));
  EXPECT_FALSE(parse_stream_dir_name("stream-"));
  EXPECT_FALSE(parse_stream_dir_name("stream-99999999999"));
}

TEST(ControlRecords, RoundTrip) {
  Checkpoint cp{3, 4, 5, hash_hex(genesis_hash(3)), -7, "c2ln"};
  auto back = parse_checkpoint(encode_checkpoint(cp));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, cp);
  auto c = parse_segment_close(encode_segment_close({9, 10, hash_hex(genesis_hash(1))}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->last_seq, 10u);
  auto p = parse_prune(encode_prune({2, 1, hash_hex(genesis_hash(2))}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->through_segment, 1u);
  auto r = parse_recovery(encode_recovery({8, 123}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes_dropped, 123u);
  EXPECT_EQ(checkpoint_signing_text(cp),
            "gatehouse-audit-checkpoint-v1\nstream=3\nsegment=4\nseq=5\nhash=" + cp.hash_hex +
                "\ntime_ns=-7\n");
}

TEST(ControlRecords, RejectMalformedPayloads) {
  EXPECT_FALSE(parse_checkpoint("{}"));
  EXPECT_FALSE(parse_checkpoint(R"({"stream":1,"segment":1,"seq":1,"hash":"ab","time_ns":1,)"
                                R"("signature":"x"})"));
  EXPECT_FALSE(parse_recovery(R"({"segment":-1,"bytes_dropped":0})"));
  EXPECT_FALSE(parse_hash_hex(std::string(64, 'A')));  // uppercase: not the one spelling
  EXPECT_TRUE(parse_hash_hex(std::string(64, 'a')));
}

TEST(FlatJson, ParsesStrictlyAndBounded) {
  auto o = json::parse_flat_object(R"( {"a":"x\u00e9\n","b":-12,"c":true,"d":null,"e":1.5e3} )");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->get_string("a"), "x\xc3\xa9\n");
  EXPECT_EQ(o->get_i64("b"), -12);
  EXPECT_FALSE(o->get_u64("b"));
  EXPECT_FALSE(o->get_string("b"));
  EXPECT_FALSE(o->get_u64("e"));
  EXPECT_TRUE(json::parse_flat_object("{}"));
  for (const char* bad : {"", "{", "[]", R"({"a":1,})", R"({"a":1}x)", R"({"a":01})", R"({"a":{}})",
                          R"({"a":[1]})", R"({"a":1,"a":2})", "{\"a\":\"\x01\"}",
                          "{\"a\":\"\xff\"}", R"({"a":"\ud800"})", R"({"a":tru})", R"({a:1})"}) {
    EXPECT_FALSE(json::parse_flat_object(bad)) << bad;
  }
  std::string many = "{";
  for (int i = 0; i < 65; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  EXPECT_FALSE(json::parse_flat_object(many + "}"));
}

}  // namespace
}  // namespace gh::audit
