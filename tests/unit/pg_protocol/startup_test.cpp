#include "pg/protocol/startup.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "chunked.h"
#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"

namespace gh::pg {
namespace {

using Param = std::pair<std::string_view, std::string_view>;

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(v >> 24);
  s[1] = static_cast<char>(v >> 16);
  s[2] = static_cast<char>(v >> 8);
  s[3] = static_cast<char>(v);
  return s;
}

// Packet bytes -> next_startup_frame at every chunking -> parse_startup_packet.
StartupPacket frame_and_parse(const std::string& packet, std::string& body_storage) {
  testing::SplitOutcome out = testing::split_all_chunkings(packet, 1 << 20, 1);
  EXPECT_EQ(out.frames.size(), 1u);
  EXPECT_FALSE(out.error);
  if (out.frames.size() != 1) return {};
  body_storage = out.frames[0].body;
  return parse_startup_packet(body_storage);
}

TEST(Startup, V3WithParams) {
  Param params[] = {{"user", "alice"}, {"database", "orders"}, {"application_name", ""}};
  std::string packet;
  build_startup_message(packet, params, 3);
  std::string body;
  StartupPacket p = frame_and_parse(packet, body);
  EXPECT_EQ(p.kind, StartupKind::kStartup);
  EXPECT_EQ(p.code, kProtocolV3);
  EXPECT_EQ(p.error, nullptr);
  ASSERT_EQ(p.param_count, 3u);
  EXPECT_EQ(p.params[0].first, "user");
  EXPECT_EQ(p.params[0].second, "alice");
  EXPECT_EQ(p.params[2].first, "application_name");
  EXPECT_EQ(p.get("database"), "orders");
  EXPECT_TRUE(p.has("application_name"));
  EXPECT_EQ(p.get("application_name"), "");
  EXPECT_FALSE(p.has("options"));
  EXPECT_EQ(p.get("options"), "");
}

TEST(Startup, V3WithoutParams) {
  std::string packet;
  build_startup_message(packet, nullptr, 0);
  std::string body;
  StartupPacket p = frame_and_parse(packet, body);
  EXPECT_EQ(p.kind, StartupKind::kStartup);
  EXPECT_EQ(p.param_count, 0u);
}

TEST(Startup, SslRequest) {
  std::string packet;
  build_ssl_request(packet);
  std::string body;
  StartupPacket p = frame_and_parse(packet, body);
  EXPECT_EQ(p.kind, StartupKind::kSslRequest);
  EXPECT_EQ(p.code, kSslRequestCode);
  // With extra bytes it is malformed, not a startup message.
  p = parse_startup_packet(be32(kSslRequestCode) + "x");
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "malformed SSLRequest");
}

TEST(Startup, GssEncRequest) {
  std::string body;
  StartupPacket p = frame_and_parse(be32(8) + be32(kGssEncRequestCode), body);
  EXPECT_EQ(p.kind, StartupKind::kGssEncRequest);
  p = parse_startup_packet(be32(kGssEncRequestCode) + std::string(4, '\0'));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "malformed GSSENCRequest");
}

TEST(Startup, CancelRequest) {
  std::string packet;
  build_cancel_request(packet, 4242, 0xdeadbeef);
  std::string body;
  StartupPacket p = frame_and_parse(packet, body);
  EXPECT_EQ(p.kind, StartupKind::kCancel);
  EXPECT_EQ(p.cancel_pid, 4242u);
  EXPECT_EQ(p.cancel_secret, 0xdeadbeefu);
  // Short, and long (protocol 3.2 allows longer keys, which we do not accept yet).
  p = parse_startup_packet(be32(kCancelRequestCode) + be32(1));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "malformed CancelRequest");
  p = parse_startup_packet(be32(kCancelRequestCode) + be32(1) + be32(2) + be32(3));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
}

TEST(Startup, ProtocolV2IsUnsupported) {
  std::string body;
  StartupPacket p = frame_and_parse(be32(8 + 4) + be32(0x00020000) + be32(0), body);
  EXPECT_EQ(p.kind, StartupKind::kUnsupportedVersion);
  EXPECT_EQ(p.code, 0x00020000u);
  // Major 4 too.
  p = parse_startup_packet(be32(0x00040000) + std::string(1, '\0'));
  EXPECT_EQ(p.kind, StartupKind::kUnsupportedVersion);
}

TEST(Startup, MinorVersionAcceptedAsStartup) {
  // 3.2: the server answers NegotiateProtocolVersion; the packet itself is a startup.
  std::string body = be32(0x00030002) + std::string("user\0bob\0\0", 10);
  StartupPacket p = parse_startup_packet(body);
  EXPECT_EQ(p.kind, StartupKind::kStartup);
  EXPECT_EQ(p.code, 0x00030002u);
  EXPECT_EQ(p.get("user"), "bob");
}

TEST(Startup, TooShort) {
  for (size_t n = 0; n < 4; ++n) {
    StartupPacket p = parse_startup_packet(be32(kProtocolV3).substr(0, n));
    EXPECT_EQ(p.kind, StartupKind::kInvalid);
    EXPECT_STREQ(p.error, "startup packet too short");
  }
}

TEST(Startup, MissingTerminator) {
  StartupPacket p = parse_startup_packet(be32(kProtocolV3));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "startup packet not terminated");
  p = parse_startup_packet(be32(kProtocolV3) + std::string("user\0bob\0", 9));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "startup packet not terminated");
}

TEST(Startup, OddParams) {
  // A name without a value.
  StartupPacket p = parse_startup_packet(be32(kProtocolV3) + std::string("user\0", 5));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "unterminated startup parameter value");
  // A name without its NUL.
  p = parse_startup_packet(be32(kProtocolV3) + "user");
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "unterminated startup parameter name");
  // name, value, name, and then the terminator taken as the second value: no list end.
  p = parse_startup_packet(be32(kProtocolV3) + std::string("user\0bob\0database\0\0", 19));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "startup packet not terminated");
}

TEST(Startup, TooManyParams) {
  std::string ok_body = be32(kProtocolV3);
  for (size_t i = 0; i < kMaxStartupParams; ++i) {
    ok_body += "p" + std::to_string(i) + '\0' + "v" + '\0';
  }
  std::string body = ok_body + '\0';
  StartupPacket p = parse_startup_packet(body);
  EXPECT_EQ(p.kind, StartupKind::kStartup);
  EXPECT_EQ(p.param_count, kMaxStartupParams);
  EXPECT_EQ(p.get("p63"), "v");

  p = parse_startup_packet(ok_body + std::string("one\0more\0\0", 10));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "too many startup parameters");
}

TEST(Startup, TrailingBytes) {
  StartupPacket p = parse_startup_packet(be32(kProtocolV3) + std::string("user\0bob\0\0junk", 14));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
  EXPECT_STREQ(p.error, "trailing bytes after startup parameters");
  p = parse_startup_packet(be32(kProtocolV3) + std::string("\0\0", 2));
  EXPECT_EQ(p.kind, StartupKind::kInvalid);
}

TEST(Startup, ViewsPointIntoTheBody) {
  std::string body = be32(kProtocolV3) + std::string("user\0bob\0\0", 10);
  StartupPacket p = parse_startup_packet(body);
  ASSERT_EQ(p.param_count, 1u);
  EXPECT_EQ(p.params[0].first.data(), body.data() + 4);
  EXPECT_EQ(p.params[0].second.data(), body.data() + 9);
}

}  // namespace
}  // namespace gh::pg
