#include "pg/protocol/frame.h"

#include <gtest/gtest.h>

#include <string>

#include "chunked.h"
#include "pg/protocol/builders.h"
#include "pg/protocol/startup.h"

namespace gh::pg {
namespace {

using testing::split_all_chunkings;
using testing::SplitFrame;
using testing::SplitOutcome;

constexpr uint32_t kMax = 1 << 20;

// type + big-endian length + body, written by hand so the splitter is not tested
// against the builders alone.
std::string framed(char type, uint32_t len, std::string_view body) {
  std::string s(1, type);
  s.push_back(static_cast<char>(len >> 24));
  s.push_back(static_cast<char>(len >> 16));
  s.push_back(static_cast<char>(len >> 8));
  s.push_back(static_cast<char>(len));
  s.append(body);
  return s;
}

std::string typed(char type, std::string_view body) {
  return framed(type, static_cast<uint32_t>(body.size() + 4), body);
}

std::string untyped(std::string_view body) { return typed('\0', body).substr(1); }
std::string untyped_header(uint32_t len) { return framed('\0', len, "").substr(1); }

TEST(Frame, ReadsBigEndian) {
  const char b[] = {'\x01', '\x02', '\x03', '\x04'};
  EXPECT_EQ(read_u32(b), 0x01020304u);
  EXPECT_EQ(read_u16(b), 0x0102u);
  const char h[] = {'\xff', '\xfe', '\xfd', '\xfc'};
  EXPECT_EQ(read_u32(h), 0xfffefdfcu);
}

TEST(Frame, SeveralMessagesBackToBack) {
  std::string q = typed('Q', std::string("select 1") + '\0');
  std::string sync = typed('S', "");
  std::string big = typed('d', std::string(3000, 'x'));
  std::string term = typed('X', "");
  std::string input = q + sync + big + term;
  SplitOutcome out = split_all_chunkings(input, kMax);
  ASSERT_EQ(out.frames.size(), 4u);
  EXPECT_EQ(out.frames[0], (SplitFrame{'Q', std::string("select 1") + '\0', q}));
  EXPECT_EQ(out.frames[1], (SplitFrame{'S', "", sync}));
  EXPECT_EQ(out.frames[2], (SplitFrame{'d', std::string(3000, 'x'), big}));
  EXPECT_EQ(out.frames[3], (SplitFrame{'X', "", term}));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.leftover, 0u);
}

TEST(Frame, PartialHeaderNeedsMoreData) {
  for (size_t n = 0; n < 5; ++n) {
    std::string input = typed('Q', "abc").substr(0, n);
    FrameResult r = next_frame(input, kMax);
    EXPECT_EQ(r.status, FrameStatus::kNeedMoreData);
    EXPECT_EQ(r.wanted, 0u) << "size is unknown before the header is complete";
    EXPECT_EQ(r.consumed, 0u);
    SplitOutcome out = split_all_chunkings(input, kMax);
    EXPECT_TRUE(out.frames.empty());
    EXPECT_FALSE(out.error);
    EXPECT_EQ(out.leftover, n);
  }
}

TEST(Frame, PartialBodyAnnouncesFullSize) {
  std::string whole = typed('Q', std::string(100, 'a') + '\0');
  std::string input = whole.substr(0, 50);
  FrameResult r = next_frame(input, kMax);
  EXPECT_EQ(r.status, FrameStatus::kNeedMoreData);
  EXPECT_EQ(r.wanted, whole.size());
  SplitOutcome out = split_all_chunkings(input, kMax);
  EXPECT_TRUE(out.frames.empty());
  EXPECT_EQ(out.leftover, 50u);
  // One complete message followed by part of another.
  out = split_all_chunkings(whole + whole.substr(0, 7), kMax);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.leftover, 7u);
}

TEST(Frame, LengthBelowFourIsAnError) {
  for (uint32_t len : {0u, 1u, 3u}) {
    std::string bad = framed('Q', len, "");
    FrameResult r = next_frame(bad, kMax);
    EXPECT_EQ(r.status, FrameStatus::kError);
    EXPECT_STREQ(r.error, "invalid message length");
    // After a good message: the good one comes out, then the error, at every chunking.
    std::string good = typed('S', "");
    SplitOutcome out = split_all_chunkings(good + bad + good, kMax);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0].type, 'S');
    EXPECT_TRUE(out.error);
    EXPECT_EQ(out.error_text, "invalid message length");
  }
}

TEST(Frame, TooLargeIsRejectedFromTheHeaderAlone) {
  constexpr uint32_t kSmallMax = 104;
  std::string header = framed('Q', kSmallMax + 1, "");  // only the 5 header bytes
  FrameResult r = next_frame(header, kSmallMax);
  EXPECT_EQ(r.status, FrameStatus::kError);
  EXPECT_STREQ(r.error, "message too large");
  SplitOutcome out = split_all_chunkings(typed('S', "") + header, kSmallMax);
  EXPECT_EQ(out.frames.size(), 1u);
  EXPECT_TRUE(out.error);
  EXPECT_EQ(out.error_text, "message too large");
  // The largest possible length field must not overflow anything.
  out = split_all_chunkings(framed('Q', 0xffffffffu, ""), kMax);
  EXPECT_TRUE(out.error);
  EXPECT_EQ(out.error_text, "message too large");
}

TEST(Frame, ExactlyMaxIsAccepted) {
  constexpr uint32_t kSmallMax = 104;  // length field includes itself: body of 100
  std::string msg = typed('d', std::string(100, 'z'));
  SplitOutcome out = split_all_chunkings(msg + msg, kSmallMax);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[1].body.size(), 100u);
  EXPECT_FALSE(out.error);
  // One byte more is too large.
  out = split_all_chunkings(typed('d', std::string(101, 'z')), kSmallMax);
  EXPECT_TRUE(out.error);
}

TEST(Frame, EmptyBodyAndMinimalMax) {
  SplitOutcome out = split_all_chunkings(typed('H', "") + typed('S', ""), 4);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0].type, 'H');
  EXPECT_TRUE(out.frames[0].body.empty());
}

TEST(Frame, TypeByteIsNotInterpreted) {
  // Any byte, including 0 and 0xff, is a type; policy about types is the session's job.
  std::string input = typed('\0', "a") + typed('\xff', "b");
  SplitOutcome out = split_all_chunkings(input, kMax);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0].type, '\0');
  EXPECT_EQ(out.frames[1].type, '\xff');
}

TEST(StartupFrame, SslRequestThenStartupThenTyped) {
  std::string ssl;
  build_ssl_request(ssl);
  std::string startup;
  std::pair<std::string_view, std::string_view> params[] = {{"user", "alice"}, {"database", "db"}};
  build_startup_message(startup, params, 2);
  std::string query;
  build_query(query, "select 1");
  SplitOutcome out = split_all_chunkings(ssl + startup + query, kMax, /*startup_frames=*/2);
  ASSERT_EQ(out.frames.size(), 3u);
  EXPECT_EQ(out.frames[0].type, 0);
  EXPECT_EQ(out.frames[0].raw, ssl);
  EXPECT_EQ(out.frames[0].body.size(), 4u);
  EXPECT_EQ(out.frames[1].raw, startup);
  EXPECT_EQ(out.frames[2].type, 'Q');
  EXPECT_EQ(out.frames[2].raw, query);
  EXPECT_EQ(out.leftover, 0u);
}

TEST(StartupFrame, PartialHeaderAndBody) {
  std::string startup = untyped(std::string("\x00\x03\x00\x00user\0bob\0\0", 14));
  for (size_t n = 0; n < startup.size(); ++n) {
    FrameResult r = next_startup_frame(std::string_view(startup).substr(0, n));
    EXPECT_EQ(r.status, FrameStatus::kNeedMoreData) << n;
    EXPECT_EQ(r.wanted, n < 4 ? 0u : startup.size()) << n;
    SplitOutcome out = split_all_chunkings(startup.substr(0, n), kMax, 1);
    EXPECT_TRUE(out.frames.empty());
    EXPECT_EQ(out.leftover, n);
  }
}

TEST(StartupFrame, LengthBelowEightIsAnError) {
  for (uint32_t len : {0u, 4u, 7u}) {
    std::string bad = untyped_header(len);
    FrameResult r = next_startup_frame(bad);
    EXPECT_EQ(r.status, FrameStatus::kError);
    EXPECT_STREQ(r.error, "invalid startup packet length");
    SplitOutcome out = split_all_chunkings(bad, kMax, 1);
    EXPECT_TRUE(out.error);
    EXPECT_EQ(out.error_text, "invalid startup packet length");
  }
  // Exactly 8 (a code and nothing else) is a frame; its meaning is the parser's job.
  SplitOutcome out = split_all_chunkings(untyped(std::string("\x04\xd2\x16\x2f", 4)), kMax, 1);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].body.size(), 4u);
}

TEST(StartupFrame, TooLargeAndExactMax) {
  std::string header = untyped_header(kMaxStartupPacket + 1);
  FrameResult r = next_startup_frame(header);
  EXPECT_EQ(r.status, FrameStatus::kError);
  EXPECT_STREQ(r.error, "startup packet too large");
  SplitOutcome out = split_all_chunkings(header, kMax, 1);
  EXPECT_TRUE(out.error);
  EXPECT_EQ(out.error_text, "startup packet too large");

  std::string exact = untyped(std::string(kMaxStartupPacket - 4, 'p'));
  ASSERT_EQ(exact.size(), kMaxStartupPacket);
  out = split_all_chunkings(exact, kMax, 1);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].raw, exact);
  EXPECT_FALSE(out.error);
}

}  // namespace
}  // namespace gh::pg
