// The tracker with a result filter: each result's shape reaches the filter before its rows
// (an Execute whose portal nobody described gets a Describe of the gateway's own, whose answer
// the client never sees), rewritten rows replace the server's, and the gateway's own query is
// answered to its sink only.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"
#include "pg/session/request_tracker.h"

namespace gh::pg {
namespace {

class RecordingFilter final : public ResultFilter, public InternalQuerySink {
 public:
  bool filtering() const override { return true; }
  void begin_rows(uint64_t id, const std::vector<ColumnDescription>& c, const std::string* formats,
                  bool unknown) override {
    std::string f = formats == nullptr ? "-" : std::to_string(formats->size() / 2);
    log.push_back("rows " + std::to_string(id) + " cols=" + std::to_string(c.size()) +
                  " formats=" + f + (unknown ? " unknown" : ""));
  }
  void begin_copy(uint64_t id, bool binary, uint16_t n) override {
    log.push_back("copy " + std::to_string(id) + (binary ? " binary " : " text ") +
                  std::to_string(n));
  }
  RowRewrite rewrite(char type, std::string_view body, std::string& out) override {
    log.push_back(std::string("rewrite ") + type);
    if (type != 'D') return RowRewrite::kUnchanged;
    MessageWriter(out, 'D').u16(1).i32(4).bytes("****");
    return RowRewrite::kRewritten;
  }
  std::string_view finish_result(uint64_t id) override {
    log.push_back("finish " + std::to_string(id));
    return "[]";
  }
  void on_internal_row(size_t result, std::string_view) override {
    log.push_back("internal row " + std::to_string(result));
  }
  void on_internal_done(std::string_view sqlstate, std::string_view) override {
    log.push_back("internal done " + std::string(sqlstate));
  }
  std::vector<std::string> log;
};

std::string msg(char type, const std::function<void(MessageWriter&)>& body) {
  std::string out;
  MessageWriter w(out, type);
  body(w);
  return out;
}
std::string row_description(int n) {
  return msg('T', [n](MessageWriter& w) {
    w.u16(static_cast<uint16_t>(n));
    for (int i = 0; i < n; ++i) w.cstr("c").u32(20000).u16(1).u32(25).u16(-1).i32(-1).u16(0);
  });
}
std::string data_row() { return msg('D', [](MessageWriter& w) { w.u16(1).i32(3).bytes("abc"); }); }
std::string complete(std::string_view tag) { return msg('C', [tag](MessageWriter& w) { w.cstr(tag); }); }
std::string ready() { return msg('Z', [](MessageWriter& w) { w.u8('I'); }); }

struct Fed {
  std::vector<TrackResult> results;
  std::string forwarded;  // what the relay would send on (replacements included)
};

Fed feed(RequestTracker& t, const std::string& bytes, bool from_client) {
  Fed out;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    FrameResult r = next_frame(rest, 1 << 20);
    EXPECT_EQ(r.status, FrameStatus::kFrame);
    if (r.status != FrameStatus::kFrame) break;
    TrackResult tr = from_client ? t.on_client_message(r.frame, 0) : t.on_backend_message(r.frame, 0);
    EXPECT_NE(tr, TrackResult::kViolation) << t.violation();
    out.results.push_back(tr);
    if (tr == TrackResult::kForward) out.forwarded.append(r.frame.raw);
    if (tr == TrackResult::kReplace)
      out.forwarded.append(from_client ? t.replacement() : t.row_replacement());
    rest.remove_prefix(r.consumed);
  }
  return out;
}

TEST(RequestFiltering, ExecuteWithoutDescribeGetsAHiddenOne) {
  RecordingFilter f;
  RequestTracker t;
  t.set_filter(&f);
  std::string client = msg('P', [](MessageWriter& w) { w.cstr("").cstr("select ssn from people").u16(0); }) +
                       msg('B', [](MessageWriter& w) { w.cstr("").cstr("").u16(0).u16(0).u16(1).u16(1); }) +
                       msg('E', [](MessageWriter& w) { w.cstr("").u32(0); }) +
                       msg('S', [](MessageWriter&) {});
  Fed c = feed(t, client, true);
  ASSERT_EQ(c.results[2], TrackResult::kReplace);
  // The Execute went out behind a Describe of the unnamed portal.
  EXPECT_NE(c.forwarded.find(std::string("D\0\0\0\6P\0", 7)), std::string::npos);
  std::string server = msg('1', [](MessageWriter&) {}) + msg('2', [](MessageWriter&) {}) +
                       row_description(1) + data_row() + complete("SELECT 1") + ready();
  Fed s = feed(t, server, false);
  // The hidden Describe's answer is dropped; the row is rewritten.
  EXPECT_EQ(s.results, (std::vector<TrackResult>{TrackResult::kForward, TrackResult::kForward,
                                                  TrackResult::kDrop, TrackResult::kReplace,
                                                  TrackResult::kForward, TrackResult::kForward}));
  EXPECT_EQ(s.forwarded.find(row_description(1)), std::string::npos);
  EXPECT_NE(s.forwarded.find("****"), std::string::npos);
  EXPECT_EQ(f.log, (std::vector<std::string>{"rows 1 cols=1 formats=1", "rewrite D", "finish 1"}));
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(RequestFiltering, ClientDescribeAheadOfExecuteIsUsedAndForwarded) {
  RecordingFilter f;
  RequestTracker t;
  t.set_filter(&f);
  std::string client = msg('P', [](MessageWriter& w) { w.cstr("").cstr("select 1, 2").u16(0); }) +
                       msg('B', [](MessageWriter& w) { w.cstr("").cstr("").u16(0).u16(0).u16(0); }) +
                       msg('D', [](MessageWriter& w) { w.u8('P').cstr(""); }) +
                       msg('E', [](MessageWriter& w) { w.cstr("").u32(0); }) +
                       msg('S', [](MessageWriter&) {});
  Fed c = feed(t, client, true);
  for (TrackResult r : c.results) EXPECT_EQ(r, TrackResult::kForward);
  std::string server = msg('1', [](MessageWriter&) {}) + msg('2', [](MessageWriter&) {}) +
                       row_description(2) + data_row() + complete("SELECT 1") + ready();
  Fed s = feed(t, server, false);
  EXPECT_NE(s.forwarded.find(row_description(2)), std::string::npos);  // the client asked for it
  EXPECT_EQ(f.log, (std::vector<std::string>{"rows 1 cols=2 formats=0", "rewrite D", "finish 1"}));
}

TEST(RequestFiltering, SimpleQueryRowsAndCopyOut) {
  RecordingFilter f;
  RequestTracker t;
  t.set_filter(&f);
  feed(t, msg('Q', [](MessageWriter& w) { w.cstr("select 1; copy t to stdout"); }), true);
  std::string server = row_description(1) + data_row() + complete("SELECT 1") +
                       msg('H', [](MessageWriter& w) { w.u8(0).u16(2).u16(0).u16(0); }) +
                       msg('d', [](MessageWriter& w) { w.bytes("a\tb\n"); }) +
                       msg('c', [](MessageWriter&) {}) + complete("COPY 1") + ready();
  feed(t, server, false);
  EXPECT_EQ(f.log, (std::vector<std::string>{"rows 1 cols=1 formats=-", "rewrite D", "finish 1",
                                             "copy 1 text 2", "rewrite d", "finish 1"}));
}

TEST(RequestFiltering, InternalQueryNeverReachesTheClient) {
  RecordingFilter f;
  RequestTracker t;
  t.set_filter(&f);
  ASSERT_TRUE(t.idle());
  t.start_internal_query("select a; select b", &f, 0);
  EXPECT_TRUE(t.internal_pending());
  EXPECT_EQ(t.replacement().front(), 'Q');
  std::string server = row_description(1) + data_row() + complete("SELECT 1") + row_description(1) +
                       data_row() + data_row() + complete("SELECT 2") + ready();
  Fed s = feed(t, server, false);
  EXPECT_TRUE(s.forwarded.empty());
  EXPECT_FALSE(t.internal_pending());
  EXPECT_EQ(f.log, (std::vector<std::string>{"internal row 0", "internal row 1", "internal row 1",
                                             "internal done "}));
  EXPECT_TRUE(t.idle());
  // An error is reported once the query ends.
  t.start_internal_query("select x", &f, 0);
  std::string err;
  build_error(err, "ERROR", "42P01", "no such relation");
  feed(t, err + ready(), false);
  EXPECT_EQ(f.log.back(), "internal done 42P01");
}

}  // namespace
}  // namespace gh::pg
