#include "pg/protocol/builders.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "chunked.h"
#include "pg/protocol/frame.h"
#include "pg/protocol/messages.h"
#include "pg/protocol/reader.h"
#include "pg/protocol/startup.h"

namespace gh::pg {
namespace {

using Param = std::pair<std::string_view, std::string_view>;
constexpr uint32_t kMax = 1 << 20;

// Splits a buffer that must hold exactly one typed message.
Frame only_frame(const std::string& bytes) {
  FrameResult r = next_frame(bytes, kMax);
  EXPECT_EQ(r.status, FrameStatus::kFrame);
  EXPECT_EQ(r.consumed, bytes.size());
  return r.frame;
}

TEST(Builders, MessageWriterPatchesLength) {
  std::string out = "prefix";
  {
    MessageWriter w(out, 'x');
    w.u8(1).u16(0x0203).u32(0x04050607).i32(-1).cstr("ab").bytes("cd");
  }
  ASSERT_EQ(out.size(), 6u + 5 + 1 + 2 + 4 + 4 + 3 + 2);
  EXPECT_EQ(out[6], 'x');
  EXPECT_EQ(read_u32(out.data() + 7), out.size() - 7);
  EXPECT_EQ(out.substr(11), std::string("\x01\x02\x03\x04\x05\x06\x07\xff\xff\xff\xff"
                                        "ab\0cd",
                                        16));
}

TEST(Builders, Query) {
  std::string out;
  build_query(out, "select * from t where a = 'x'");
  Frame f = only_frame(out);
  EXPECT_EQ(f.type, msg::kQuery);
  QueryMessage q;
  ASSERT_TRUE(parse_query(f.body, q));
  EXPECT_EQ(q.sql, "select * from t where a = 'x'");
}

TEST(Builders, AuthRequest) {
  std::string out;
  build_auth_request(out, auth::kSaslContinue, "r=abc,s=c2FsdA==,i=4096");
  Frame f = only_frame(out);
  EXPECT_EQ(f.type, msg::kAuthentication);
  AuthRequest a;
  ASSERT_TRUE(parse_auth_request(f.body, a));
  EXPECT_EQ(a.code, auth::kSaslContinue);
  EXPECT_EQ(a.data, "r=abc,s=c2FsdA==,i=4096");
}

TEST(Builders, ParameterStatusAndBackendKeyAndReady) {
  std::string out;
  build_parameter_status(out, "TimeZone", "UTC");
  build_backend_key_data(out, 77, 0x80000001);
  build_ready_for_query(out, 'I');
  testing::SplitOutcome split = testing::split_all_chunkings(out, kMax);
  ASSERT_EQ(split.frames.size(), 3u);

  ASSERT_EQ(split.frames[0].type, msg::kParameterStatus);
  ParameterStatus ps;
  ASSERT_TRUE(parse_parameter_status(split.frames[0].body, ps));
  EXPECT_EQ(ps.name, "TimeZone");
  EXPECT_EQ(ps.value, "UTC");

  ASSERT_EQ(split.frames[1].type, msg::kBackendKeyData);
  BackendKeyData k;
  ASSERT_TRUE(parse_backend_key_data(split.frames[1].body, k));
  EXPECT_EQ(k.pid, 77u);
  EXPECT_EQ(k.secret, 0x80000001u);

  ASSERT_EQ(split.frames[2].type, msg::kReadyForQuery);
  EXPECT_EQ(split.frames[2].body, "I");
}

TEST(Builders, ErrorAndNotice) {
  std::string out;
  build_error(out, "FATAL", "28P01", "password authentication failed");
  build_error(out, "NOTICE", "00000", "held for review", "request r-1", "see /reviews/r-1", 'N');
  testing::SplitOutcome split = testing::split_all_chunkings(out, kMax);
  ASSERT_EQ(split.frames.size(), 2u);
  EXPECT_EQ(split.frames[0].type, msg::kErrorResponse);
  EXPECT_EQ(split.frames[1].type, msg::kNoticeResponse);
  ErrorFields e;
  ASSERT_TRUE(parse_error_fields(split.frames[0].body, e));
  EXPECT_EQ(e.severity, "FATAL");
  EXPECT_EQ(e.code, "28P01");
  EXPECT_EQ(e.message, "password authentication failed");
  EXPECT_EQ(e.detail, "");
  ASSERT_TRUE(parse_error_fields(split.frames[1].body, e));
  EXPECT_EQ(e.severity, "NOTICE");
  EXPECT_EQ(e.detail, "request r-1");
  // The hint is written as an 'H' field.
  EXPECT_NE(split.frames[1].body.find(std::string("Hsee /reviews/r-1\0", 18)), std::string::npos);
}

TEST(Builders, NegotiateProtocolVersion) {
  std::string out;
  Param unknown[] = {{"_pq_.compression", ""}, {"_pq_.other", ""}};
  build_negotiate_protocol_version(out, 0, unknown, 2);
  Frame f = only_frame(out);
  EXPECT_EQ(f.type, msg::kNegotiateProtocolVersion);
  BodyReader r(f.body);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_EQ(r.u32(), 2u);
  EXPECT_EQ(r.cstr(), "_pq_.compression");
  EXPECT_EQ(r.cstr(), "_pq_.other");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(Builders, StartupSslCancel) {
  std::string out;
  build_ssl_request(out);
  Param params[] = {{"user", "svc"}, {"database", "warehouse"}, {"client_encoding", "UTF8"}};
  build_startup_message(out, params, 3);
  build_cancel_request(out, 9, 10);
  testing::SplitOutcome split = testing::split_all_chunkings(out, kMax, /*startup_frames=*/3);
  ASSERT_EQ(split.frames.size(), 3u);

  StartupPacket ssl = parse_startup_packet(split.frames[0].body);
  EXPECT_EQ(ssl.kind, StartupKind::kSslRequest);

  StartupPacket st = parse_startup_packet(split.frames[1].body);
  ASSERT_EQ(st.kind, StartupKind::kStartup);
  ASSERT_EQ(st.param_count, 3u);
  EXPECT_EQ(st.get("user"), "svc");
  EXPECT_EQ(st.get("database"), "warehouse");
  EXPECT_EQ(st.get("client_encoding"), "UTF8");

  StartupPacket cancel = parse_startup_packet(split.frames[2].body);
  ASSERT_EQ(cancel.kind, StartupKind::kCancel);
  EXPECT_EQ(cancel.cancel_pid, 9u);
  EXPECT_EQ(cancel.cancel_secret, 10u);
}

TEST(Builders, PasswordAndSasl) {
  std::string out;
  build_password_message(out, "md5abc");
  build_sasl_initial_response(out, "SCRAM-SHA-256", "n,,n=,r=nonce");
  build_sasl_response(out, "c=biws,r=nonceXYZ,p=cHJvb2Y=");
  testing::SplitOutcome split = testing::split_all_chunkings(out, kMax);
  ASSERT_EQ(split.frames.size(), 3u);
  for (const auto& f : split.frames) EXPECT_EQ(f.type, msg::kPassword);

  BodyReader pw(split.frames[0].body);
  EXPECT_EQ(pw.cstr(), "md5abc");
  EXPECT_TRUE(pw.ok() && pw.at_end());

  BodyReader init(split.frames[1].body);
  EXPECT_EQ(init.cstr(), "SCRAM-SHA-256");
  int32_t len = init.i32();
  EXPECT_EQ(len, 13);
  EXPECT_EQ(init.bytes(static_cast<size_t>(len)), "n,,n=,r=nonce");
  EXPECT_TRUE(init.ok() && init.at_end());

  EXPECT_EQ(split.frames[2].body, "c=biws,r=nonceXYZ,p=cHJvb2Y=");
}

TEST(Builders, Terminate) {
  std::string out;
  build_terminate(out);
  EXPECT_EQ(out, std::string("X\0\0\0\x04", 5));
  Frame f = only_frame(out);
  EXPECT_EQ(f.type, msg::kTerminate);
  EXPECT_TRUE(f.body.empty());
}

TEST(Builders, BatchOfManyMessagesSplitsBackAtEveryChunking) {
  std::string out;
  for (int i = 0; i < 50; ++i) {
    build_query(out, "select " + std::to_string(i));
    build_ready_for_query(out, 'T');
  }
  testing::SplitOutcome split = testing::split_all_chunkings(out, kMax);
  ASSERT_EQ(split.frames.size(), 100u);
  QueryMessage q;
  ASSERT_TRUE(parse_query(split.frames[98].body, q));
  EXPECT_EQ(q.sql, "select 49");
}

}  // namespace
}  // namespace gh::pg
