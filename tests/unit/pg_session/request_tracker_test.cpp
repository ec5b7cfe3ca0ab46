#include "pg/session/request_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"

namespace gh::pg {
namespace {

// Records every hook call as a line, so tests compare whole sequences.
class RecordingHooks : public StatementHooks {
 public:
  RecordingHooks() { wants_parameters = wants_columns = wants_rows = true; }
  Verdict on_statement(const StatementStart& s) override {
    std::string params;
    if (s.bind != nullptr) {
      std::vector<BindParam> ps;
      bind_params(*s.bind, ps);
      for (auto& p : ps) params += p.is_null ? std::string("NULL,") : std::string(p.value) + ",";
    }
    log.push_back("start " + std::to_string(s.id) + " " + std::string(s.sql) +
                  (params.empty() ? "" : " [" + params + "]"));
    if (s.sql.find("forbidden") != std::string_view::npos)
      return Verdict::Refuse("42501", "refused by test");
    return Verdict::Allow();
  }
  void on_columns(uint64_t id, const std::vector<ColumnDescription>& c) override {
    log.push_back("columns " + std::to_string(id) + " " + std::to_string(c.size()));
  }
  void on_row(uint64_t id, std::string_view) override {
    log.push_back("row " + std::to_string(id));
  }
  void on_result(uint64_t id, const ResultSummary& r) override {
    log.push_back("result " + std::to_string(id) + " rows=" + std::to_string(r.rows) +
                  (r.sqlstate.empty() ? "" : " error=" + std::string(r.sqlstate)) +
                  (r.command_tag.empty() ? "" : " tag=" + std::string(r.command_tag)) +
                  (r.suspended ? " suspended" : ""));
  }
  void on_end(uint64_t id, std::chrono::nanoseconds, bool skipped) override {
    log.push_back("end " + std::to_string(id) + (skipped ? " skipped" : ""));
  }
  std::vector<std::string> log;
};

// Message fixtures.
std::string parse_msg(std::string_view name, std::string_view sql) {
  std::string out;
  MessageWriter(out, 'P').cstr(name).cstr(sql).u16(0);
  return out;
}
std::string bind_msg(std::string_view portal, std::string_view stmt,
                     std::vector<const char*> params) {
  std::string out;
  MessageWriter w(out, 'B');
  w.cstr(portal).cstr(stmt).u16(0).u16(static_cast<uint16_t>(params.size()));
  for (const char* p : params) {
    if (p == nullptr) {
      w.i32(-1);
    } else {
      w.i32(static_cast<int32_t>(std::strlen(p))).bytes(p);
    }
  }
  w.u16(0);
  return out;
}
std::string execute_msg(std::string_view portal, uint32_t max_rows = 0) {
  std::string out;
  MessageWriter(out, 'E').cstr(portal).u32(max_rows);
  return out;
}
std::string describe_msg(char kind, std::string_view name) {
  std::string out;
  MessageWriter(out, 'D').u8(static_cast<uint8_t>(kind)).cstr(name);
  return out;
}
std::string sync_msg() {
  std::string out;
  MessageWriter(out, 'S');
  return out;
}
std::string query_msg(std::string_view sql) {
  std::string out;
  build_query(out, sql);
  return out;
}
std::string simple(char type, std::string_view body = {}) {
  std::string out;
  MessageWriter(out, type).bytes(body);
  return out;
}
std::string row_description(int n) {
  std::string out;
  MessageWriter w(out, 'T');
  w.u16(static_cast<uint16_t>(n));
  for (int i = 0; i < n; ++i) w.cstr("c").u32(0).u16(0).u32(23).u16(4).i32(-1).u16(0);
  return out;
}
std::string data_row() {
  std::string out;
  MessageWriter(out, 'D').u16(1).i32(1).bytes("1");
  return out;
}
std::string complete(std::string_view tag) {
  std::string out;
  MessageWriter(out, 'C').cstr(tag);
  return out;
}
std::string ready(char s = 'I') {
  std::string out;
  build_ready_for_query(out, s);
  return out;
}
std::string error(std::string_view code) {
  std::string out;
  build_error(out, "ERROR", code, "boom");
  return out;
}

// Feeds a byte stream to the tracker as the relay would, in chunks of `chunk` bytes.
void feed(RequestTracker& t, const std::string& bytes, bool from_client, size_t chunk) {
  std::string buf;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t n = std::min(chunk, bytes.size() - pos);
    buf.append(bytes, pos, n);
    pos += n;
    while (true) {
      FrameResult r = next_frame(buf, 1 << 20);
      ASSERT_NE(r.status, FrameStatus::kError);
      if (r.status == FrameStatus::kNeedMoreData) break;
      TrackResult tr =
          from_client ? t.on_client_message(r.frame, 0) : t.on_backend_message(r.frame, 0);
      ASSERT_NE(tr, TrackResult::kViolation) << t.violation();
      buf.erase(0, r.consumed);
    }
  }
  ASSERT_TRUE(buf.empty());
}

const size_t kChunks[] = {1u << 30, 1000, 100, 10, 5, 2, 1};

TEST(RequestTracker, SimpleQueryWithTwoStatements) {
  for (size_t chunk : kChunks) {
    RecordingHooks h;
    RequestTracker t(&h);
    feed(t, query_msg("select 1; select 2"), true, chunk);
    EXPECT_EQ(t.outstanding(), 1u);
    feed(t,
         row_description(1) + data_row() + complete("SELECT 1") + row_description(1) + data_row() +
             data_row() + complete("SELECT 2") + ready(),
         false, chunk);
    EXPECT_EQ(t.outstanding(), 0u);
    std::vector<std::string> want = {"start 1 select 1; select 2",
                                     "columns 1 1",
                                     "row 1",
                                     "result 1 rows=1 tag=SELECT 1",
                                     "columns 1 1",
                                     "row 1",
                                     "row 1",
                                     "result 1 rows=2 tag=SELECT 2",
                                     "end 1"};
    EXPECT_EQ(h.log, want) << "chunk " << chunk;
  }
}

TEST(RequestTracker, PipelinedExtendedProtocol) {
  for (size_t chunk : kChunks) {
    RecordingHooks h;
    RequestTracker t(&h);
    std::string client = parse_msg("s1", "select $1") + bind_msg("", "s1", {"7"}) +
                         describe_msg('P', "") + execute_msg("") + sync_msg() +
                         bind_msg("", "s1", {nullptr}) + execute_msg("") + sync_msg();
    feed(t, client, true, chunk);
    EXPECT_EQ(t.outstanding(), 8u);
    std::string server = simple('1') + simple('2') + row_description(1) + data_row() +
                         complete("SELECT 1") + ready() + simple('2') + data_row() +
                         complete("SELECT 1") + ready();
    feed(t, server, false, chunk);
    EXPECT_EQ(t.outstanding(), 0u);
    std::vector<std::string> want = {"start 1 select $1 [7,]",
                                     "start 2 select $1 [NULL,]",
                                     "row 1",
                                     "result 1 rows=1 tag=SELECT 1",
                                     "end 1",
                                     "row 2",
                                     "result 2 rows=1 tag=SELECT 1",
                                     "end 2"};
    EXPECT_EQ(h.log, want) << "chunk " << chunk;
  }
}

TEST(RequestTracker, ErrorSkipsToSync) {
  RecordingHooks h;
  RequestTracker t(&h);
  std::string client = parse_msg("", "select bad") + bind_msg("", "", {}) + execute_msg("") +
                       sync_msg() + query_msg("select 1");
  feed(t, client, true, 1u << 30);
  EXPECT_EQ(t.outstanding(), 5u);
  feed(t, error("42601") + ready(), false, 1u << 30);
  EXPECT_EQ(t.outstanding(), 1u);  // the Query is still pending
  feed(t, row_description(1) + data_row() + complete("SELECT 1") + ready(), false, 1u << 30);
  EXPECT_EQ(t.outstanding(), 0u);
  std::vector<std::string> want = {"start 1 select bad",
                                   "start 2 select 1",
                                   "end 1 skipped",
                                   "columns 2 1",
                                   "row 2",
                                   "result 2 rows=1 tag=SELECT 1",
                                   "end 2"};
  EXPECT_EQ(h.log, want);
}

TEST(RequestTracker, ExecuteErrorIsItsResult) {
  RecordingHooks h;
  RequestTracker t(&h);
  feed(t, parse_msg("", "select 1/0") + bind_msg("", "", {}) + execute_msg("") + sync_msg(), true,
       1u << 30);
  feed(t, simple('1') + simple('2') + error("22012") + ready(), false, 1u << 30);
  std::vector<std::string> want = {"start 1 select 1/0", "result 1 rows=0 error=22012", "end 1"};
  EXPECT_EQ(h.log, want);
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(RequestTracker, PortalSuspendedAndNamedPortal) {
  RecordingHooks h;
  RequestTracker t(&h);
  feed(t,
       parse_msg("", "select g from generate_series(1,3) g") + bind_msg("C_1", "", {}) +
           execute_msg("C_1", 2) + sync_msg(),
       true, 1u << 30);
  feed(t, simple('1') + simple('2') + data_row() + data_row() + simple('s') + ready('T'), false,
       1u << 30);
  feed(t, execute_msg("C_1", 2) + sync_msg(), true, 1u << 30);
  feed(t, data_row() + complete("SELECT 1") + ready('T'), false, 1u << 30);
  std::vector<std::string> want = {"start 1 select g from generate_series(1,3) g",
                                   "row 1",
                                   "row 1",
                                   "result 1 rows=2 suspended",
                                   "end 1",
                                   "start 2 select g from generate_series(1,3) g",
                                   "row 2",
                                   "result 2 rows=1 tag=SELECT 1",
                                   "end 2"};
  EXPECT_EQ(h.log, want);
  EXPECT_EQ(t.transaction_status(), 'T');
}

TEST(RequestTracker, CopyIn) {
  RecordingHooks h;
  RequestTracker t(&h);
  feed(t, query_msg("copy t from stdin"), true, 1u << 30);
  std::string g;
  MessageWriter(g, 'G').u8(0).u16(0);
  feed(t, g, false, 1u << 30);
  EXPECT_TRUE(t.in_copy_in());
  feed(t, simple('d', "1\n") + simple('d', "2\n") + simple('c'), true, 1u << 30);
  feed(t, complete("COPY 2") + ready(), false, 1u << 30);
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(h.log.back(), "end 1");
}

TEST(RequestTracker, Violations) {
  {
    RequestTracker t;
    std::string m = simple('1');
    FrameResult r = next_frame(m, 1024);
    EXPECT_EQ(t.on_backend_message(r.frame, 0), TrackResult::kViolation);
    EXPECT_STREQ(t.violation(), "completion message does not match the pending request");
  }
  {
    RequestTracker t;
    std::string m = simple('Y', "x");
    FrameResult r = next_frame(m, 1024);
    EXPECT_EQ(t.on_client_message(r.frame, 0), TrackResult::kViolation);
    EXPECT_STREQ(t.violation(), "invalid frontend message type");
  }
  {
    RequestTracker t;
    std::string m = simple('B', std::string("\0\0\0\1", 4));
    FrameResult r = next_frame(m, 1024);
    EXPECT_EQ(t.on_client_message(r.frame, 0), TrackResult::kViolation);
    EXPECT_STREQ(t.violation(), "malformed Bind message");
  }
  {
    RequestTracker t;
    std::string m = simple('X');
    FrameResult r = next_frame(m, 1024);
    EXPECT_EQ(t.on_client_message(r.frame, 0), TrackResult::kTerminate);
  }
}

// Parses a byte string of server-bound responses into "type:sqlstate" tokens.
std::vector<std::string> response_types(const std::string& bytes) {
  std::vector<std::string> out;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    FrameResult r = next_frame(rest, 1 << 20);
    if (r.status != FrameStatus::kFrame) break;
    std::string tok(1, r.frame.type);
    if (r.frame.type == 'E') {
      ErrorFields e;
      parse_error_fields(r.frame.body, e);
      tok += ":" + std::string(e.code);
    }
    if (r.frame.type == 'Z') tok += ":" + std::string(r.frame.body);
    out.push_back(tok);
    rest.remove_prefix(r.consumed);
  }
  return out;
}

// Feeds client bytes, returning what happened to each message (F forward, D drop).
std::string client_actions(RequestTracker& t, const std::string& bytes) {
  std::string actions;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    FrameResult r = next_frame(rest, 1 << 20);
    TrackResult tr = t.on_client_message(r.frame, 0);
    actions += tr == TrackResult::kForward   ? 'F'
               : tr == TrackResult::kDrop    ? 'D'
               : tr == TrackResult::kReplace ? 'R'
                                             : '?';
    rest.remove_prefix(r.consumed);
  }
  return actions;
}

// The same for server messages.
std::string backend_actions(RequestTracker& t, const std::string& bytes) {
  std::string actions;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    FrameResult r = next_frame(rest, 1 << 20);
    TrackResult tr = t.on_backend_message(r.frame, 0);
    actions += tr == TrackResult::kForward ? 'F' : tr == TrackResult::kDrop ? 'D' : '?';
    rest.remove_prefix(r.consumed);
  }
  return actions;
}

// The statement a refusal inside a transaction block is replaced with.
std::string replacement_sql(const RequestTracker& t) {
  FrameResult r = next_frame(t.replacement(), 1 << 20);
  EXPECT_EQ(r.status, FrameStatus::kFrame);
  EXPECT_EQ(r.frame.type, 'Q');
  return std::string(r.frame.body.substr(0, r.frame.body.size() - 1));
}

TEST(RequestTracker, ExecuteReportsTheDescribedShape) {
  for (size_t chunk : kChunks) {
    RecordingHooks h;
    RequestTracker t(&h);
    // Prepared once (Describe of the statement), executed twice without Describe.
    feed(t, parse_msg("s1", "select $1") + describe_msg('S', "s1") + sync_msg(), true, chunk);
    std::string pd;
    MessageWriter(pd, 't').u16(1).u32(23);
    feed(t, simple('1') + pd + row_description(2) + ready(), false, chunk);
    feed(t,
         bind_msg("", "s1", {"1"}) + execute_msg("") + bind_msg("", "s1", {"2"}) + execute_msg("") +
             sync_msg(),
         true, chunk);
    feed(t,
         simple('2') + data_row() + complete("SELECT 1") + simple('2') + data_row() +
             complete("SELECT 1") + ready(),
         false, chunk);
    std::vector<std::string> want = {"start 1 select $1 [1,]",
                                     "start 2 select $1 [2,]",
                                     "columns 1 2",
                                     "row 1",
                                     "result 1 rows=1 tag=SELECT 1",
                                     "end 1",
                                     "columns 2 2",
                                     "row 2",
                                     "result 2 rows=1 tag=SELECT 1",
                                     "end 2"};
    EXPECT_EQ(h.log, want) << "chunk " << chunk;
  }
}

TEST(RequestTracker, RefusedSimpleQueryIsAnsweredByTheGateway) {
  RecordingHooks h;
  RequestTracker t(&h);
  // Nothing outstanding: the refusal is due at once, with ReadyForQuery.
  EXPECT_EQ(client_actions(t, query_msg("select forbidden")), "D");
  std::string out;
  ASSERT_TRUE(t.take_due_responses(out));
  EXPECT_EQ(response_types(out), (std::vector<std::string>{"E:42501", "Z:I"}));
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(h.log, (std::vector<std::string>{"start 1 select forbidden",
                                             "result 1 rows=0 error=42501", "end 1"}));
}

TEST(RequestTracker, FastPathFunctionCallIsRefused) {
  RecordingHooks h;
  RequestTracker t(&h);
  std::string call;
  MessageWriter(call, 'F').u32(764).u16(0).u16(0).u16(0);  // lo_import's OID, no arguments
  EXPECT_EQ(client_actions(t, query_msg("select 1") + call + query_msg("select 2")), "FDF");
  std::string out;
  EXPECT_FALSE(t.take_due_responses(out));  // in its turn, after select 1
  feed(t, complete("SELECT 1") + ready(), false, 1u << 30);
  ASSERT_TRUE(t.take_due_responses(out));
  EXPECT_EQ(response_types(out), (std::vector<std::string>{"E:42501", "Z:I"}));
  EXPECT_NE(out.find("fast-path function call"), std::string::npos);
  // No statement was started for it: the hooks saw only the two queries.
  EXPECT_EQ(h.log.front(), "start 1 select 1");
  EXPECT_EQ(std::count_if(h.log.begin(), h.log.end(),
                          [](const std::string& l) { return l.starts_with("start"); }),
            2);
}

TEST(RequestTracker, RefusalInATransactionBlockFailsTheServersTransaction) {
  RecordingHooks h;
  RequestTracker t(&h);
  EXPECT_EQ(client_actions(t, query_msg("begin")), "F");
  EXPECT_EQ(backend_actions(t, complete("BEGIN") + ready('T')), "FF");
  // Answering it alone would leave the server's transaction healthy and a later COMMIT
  // would commit what ran before: the server is made to raise the refusal itself.
  EXPECT_EQ(client_actions(t, query_msg("select forbidden")), "R");
  EXPECT_EQ(replacement_sql(t),
            "DO $gatehouse$BEGIN RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = E'refused "
            "by test'; END$gatehouse$");
  std::string out;
  EXPECT_FALSE(t.take_due_responses(out));
  EXPECT_EQ(backend_actions(t, error("42501") + ready('E')), "FF");
  EXPECT_EQ(t.transaction_status(), 'E');
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(h.log[h.log.size() - 3], "start 2 select forbidden");
  EXPECT_EQ(h.log[h.log.size() - 2], "result 2 rows=0 error=42501");
  EXPECT_EQ(h.log.back(), "end 2");
}

TEST(RequestTracker, RefusedExecuteInATransactionBlock) {
  RecordingHooks h;
  RequestTracker t(&h);
  feed(t, query_msg("begin"), true, 1u << 30);
  feed(t, complete("BEGIN") + ready('T'), false, 1u << 30);
  std::string client = parse_msg("", "select forbidden") + bind_msg("", "", {}) + execute_msg("") +
                       describe_msg('P', "") + sync_msg();
  EXPECT_EQ(client_actions(t, client), "FFRDF");
  // The injected Query's ReadyForQuery is not the client's: dropped. The Sync's is.
  EXPECT_EQ(
      backend_actions(t, simple('1') + simple('2') + error("42501") + ready('E') + ready('E')),
      "FFFDF");
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(h.log.back(), "end 2");
}

TEST(RequestTracker, InjectedRefusalAfterAServerErrorIsSkipped) {
  RecordingHooks h;
  RequestTracker t(&h);
  feed(t, query_msg("begin"), true, 1u << 30);
  feed(t, complete("BEGIN") + ready('T'), false, 1u << 30);
  EXPECT_EQ(client_actions(t, parse_msg("", "select bad syntax") + bind_msg("", "", {}) +
                                  execute_msg("") + sync_msg()),
            "FFFF");
  // A second batch before any answer: its refused Execute is injected...
  EXPECT_EQ(client_actions(t, parse_msg("", "select forbidden") + bind_msg("", "", {}) +
                                  execute_msg("") + sync_msg()),
            "FFRF");
  // ...the first Parse fails: the server skips to the Sync, then answers the second batch;
  // but the second Parse fails too (aborted transaction), so the injected Query is
  // discarded by the server and never answered.
  EXPECT_EQ(backend_actions(t, error("42601") + ready('E') + error("25P02") + ready('E')), "FFFF");
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(RequestTracker, MessagesWithDollarTagsAndQuotesStayInsideTheLiteral) {
  class Refuser : public StatementHooks {
   public:
    Verdict on_statement(const StatementStart& s) override {
      if (s.sql == "begin") return Verdict::Allow();
      return Verdict::Refuse("42501", "it's a \\ $gatehouse$; drop table t; --");
    }
  } hooks;
  RequestTracker t(&hooks);
  feed(t, query_msg("begin"), true, 1u << 30);
  feed(t, complete("BEGIN") + ready('T'), false, 1u << 30);
  EXPECT_EQ(client_actions(t, query_msg("select 1")), "R");
  EXPECT_EQ(replacement_sql(t),
            "DO $gatehouse$BEGIN RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = E'it''s a "
            "\\\\ $gatehouse $; drop table t; --'; END$gatehouse$");
}

// Hooks that judge at Parse, as the guardrails do.
class ParseJudge : public RecordingHooks {
 public:
  ParseJudge() { judges_parse = true; }
  Verdict on_statement(const StatementStart& s) override {
    log.push_back(std::string(s.at_parse ? "parse " : "execute ") + std::to_string(s.id) +
                  (s.prejudged ? " prejudged" : ""));
    if (s.at_parse && s.sql.find("forbidden") != std::string_view::npos)
      return Verdict::Refuse("42501", "refused at parse");
    return Verdict::Allow();
  }
};

TEST(RequestTracker, RefusedAtParseDiscardsUntilSync) {
  ParseJudge h;
  RequestTracker t(&h);
  std::string client = parse_msg("s1", "select forbidden") + bind_msg("", "s1", {}) +
                       execute_msg("") + sync_msg() + parse_msg("s2", "select 1") +
                       bind_msg("", "s2", {}) + execute_msg("") + execute_msg("") + sync_msg();
  EXPECT_EQ(client_actions(t, client), "DDDFFFFFF");
  std::string out;
  ASSERT_TRUE(t.take_due_responses(out));  // nothing ahead of it
  EXPECT_EQ(response_types(out), (std::vector<std::string>{"E:42501"}));
  // The allowed statement was judged once, at its Parse, and keeps that decision.
  EXPECT_EQ(h.log,
            (std::vector<std::string>{"parse 1", "result 1 rows=0 error=42501", "end 1", "parse 2",
                                      "execute 2 prejudged", "execute 3 prejudged"}));
  feed(t,
       ready() + simple('1') + simple('2') + complete("SELECT 1") + complete("SELECT 1") + ready(),
       false, 1u << 30);
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(RequestTracker, RefusedAtParseInATransactionBlockFailsIt) {
  ParseJudge h;
  RequestTracker t(&h);
  feed(t, query_msg("begin"), true, 1u << 30);
  feed(t, complete("BEGIN") + ready('T'), false, 1u << 30);
  EXPECT_EQ(client_actions(t, parse_msg("", "select forbidden") + bind_msg("", "", {}) +
                                  execute_msg("") + sync_msg()),
            "RDDF");
  EXPECT_NE(replacement_sql(t).find("RAISE EXCEPTION"), std::string::npos);
  EXPECT_EQ(backend_actions(t, error("42501") + ready('E') + ready('E')), "FDF");
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(t.transaction_status(), 'E');
}

TEST(RequestTracker, RefusalWaitsForItsTurnInAPipeline) {
  RecordingHooks h;
  RequestTracker t(&h);
  EXPECT_EQ(client_actions(
                t, query_msg("select 1") + query_msg("select forbidden") + query_msg("select 2")),
            "FDF");
  std::string out;
  EXPECT_FALSE(t.take_due_responses(out));  // select 1 is ahead of it
  feed(t, complete("SELECT 1") + ready(), false, 1u << 30);
  ASSERT_TRUE(t.take_due_responses(out));
  EXPECT_EQ(response_types(out), (std::vector<std::string>{"E:42501", "Z:I"}));
  EXPECT_EQ(t.outstanding(), 1u);  // select 2
}

TEST(RequestTracker, RefusedExecuteDiscardsUntilSync) {
  RecordingHooks h;
  RequestTracker t(&h);
  std::string client = parse_msg("", "select forbidden") + bind_msg("", "", {}) + execute_msg("") +
                       parse_msg("", "select 1") + bind_msg("", "", {}) + execute_msg("") +
                       sync_msg() + query_msg("select 2");
  // Parse and Bind go through; the Execute is refused; the rest up to Sync is dropped
  // as the server would; Sync and the next Query go through.
  EXPECT_EQ(client_actions(t, client), "FFDDDDFF");
  std::string out;
  EXPECT_FALSE(t.take_due_responses(out));
  feed(t, simple('1') + simple('2'), false, 1u << 30);
  ASSERT_TRUE(t.take_due_responses(out));
  EXPECT_EQ(response_types(out), (std::vector<std::string>{"E:42501"}));
  feed(t, ready(), false, 1u << 30);
  EXPECT_EQ(t.outstanding(), 1u);
}

TEST(RequestTracker, ServerErrorBeforeARefusalSwallowsIt) {
  RecordingHooks h;
  RequestTracker t(&h);
  std::string client = parse_msg("", "select bad(") + bind_msg("", "", {}) +
                       parse_msg("n", "select forbidden") + bind_msg("", "n", {}) +
                       execute_msg("") + sync_msg();
  client_actions(t, client);
  feed(t, error("42601") + ready(), false, 1u << 30);
  std::string out;
  EXPECT_FALSE(t.take_due_responses(out));  // the server never got that far
  EXPECT_EQ(t.outstanding(), 0u);
}

}  // namespace
}  // namespace gh::pg

namespace gh::pg {
namespace {

// Asks for an estimate of every statement containing "costly", then refuses it if the
// estimate is over 100 rows or missing; logs what it was given.
class CostHooks : public RecordingHooks {
 public:
  Verdict on_statement(const StatementStart& s) override {
    if (s.sql.find("costly") == std::string_view::npos || s.at_parse)
      return RecordingHooks::on_statement(s);
    if (s.estimates.empty()) {
      Verdict ask;
      ask.estimates_needed.push_back(s.sql);
      log.push_back("ask " + std::string(s.sql));
      return ask;
    }
    const PlanEstimate& e = s.estimates.front();
    log.push_back(e.ok ? "estimate rows=" + std::to_string(static_cast<int>(e.rows))
                       : "estimate failed " + std::string(e.sqlstate) + " " + std::string(e.error));
    if (!e.ok || e.rows > 100) return Verdict::Refuse("42501", "too costly");
    return RecordingHooks::on_statement(s);
  }
  void on_statement_closed(std::string_view name) override {
    log.push_back("closed " + std::string(name));
  }
};

std::string explain_row(int rows) {
  const std::string json =
      R"([{"Plan": {"Node Type": "Seq Scan", "Total Cost": 9.5, "Plan Rows": )" +
      std::to_string(rows) + "}}]";
  std::string out;
  MessageWriter(out, 'D').u16(1).i32(static_cast<int32_t>(json.size())).bytes(json);
  return out;
}

// Offers one client message; returns what the tracker said.
TrackResult offer(RequestTracker& t, const std::string& bytes) {
  FrameResult r = next_frame(bytes, 1 << 20);
  EXPECT_EQ(r.status, FrameStatus::kFrame);
  return t.on_client_message(r.frame, 0);
}

// Feeds server bytes; returns the messages the client would get (their type bytes).
std::string from_server(RequestTracker& t, const std::string& bytes) {
  std::string forwarded;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    FrameResult r = next_frame(rest, 1 << 20);
    EXPECT_EQ(r.status, FrameStatus::kFrame);
    TrackResult tr = t.on_backend_message(r.frame, 0);
    EXPECT_NE(tr, TrackResult::kViolation) << t.violation();
    if (tr == TrackResult::kForward) forwarded.push_back(r.frame.type);
    rest.remove_prefix(r.consumed);
  }
  return forwarded;
}

TEST(RequestTrackerEstimates, SimpleQueryIsExplainedFirstAndTheExplainIsNotForwarded) {
  CostHooks h;
  RequestTracker t(&h);
  const std::string q = query_msg("select costly from big");
  ASSERT_EQ(offer(t, q), TrackResult::kEstimate);
  EXPECT_EQ(t.replacement(), query_msg("EXPLAIN (FORMAT JSON) select costly from big\n;"));
  EXPECT_TRUE(t.estimate_pending());
  std::string plan = row_description(1) + explain_row(5000) + complete("EXPLAIN") + ready();
  EXPECT_EQ(from_server(t, plan), "");
  EXPECT_FALSE(t.estimate_pending());
  // Offered again: now judged, and refused.
  EXPECT_EQ(offer(t, q), TrackResult::kDrop);
  std::string due;
  ASSERT_TRUE(t.take_due_responses(due));
  EXPECT_EQ(due[0], 'E');
  std::vector<std::string> want = {"ask select costly from big", "estimate rows=5000",
                                   "result 1 rows=0 error=42501", "end 1"};
  EXPECT_EQ(h.log, want);
}

TEST(RequestTrackerEstimates, AnExplainErrorIsTheStatementsError) {
  CostHooks h;
  RequestTracker t(&h);
  const std::string q = query_msg("select costly from missing");
  ASSERT_EQ(offer(t, q), TrackResult::kEstimate);
  EXPECT_EQ(from_server(t, error("42P01") + ready('I')), "");
  EXPECT_EQ(offer(t, q), TrackResult::kDrop);
  EXPECT_EQ(h.log[1], "estimate failed 42P01 boom");
}

TEST(RequestTrackerEstimates, ExtendedFormUsesTheBoundValuesAndKeepsTheClientsNames) {
  CostHooks h;
  RequestTracker t(&h);
  std::string parse;
  MessageWriter(parse, 'P').cstr("").cstr("select costly from big where id < $1").u16(1).u32(23);
  EXPECT_EQ(offer(t, parse), TrackResult::kForward);
  EXPECT_EQ(offer(t, bind_msg("", "", {"4000"})), TrackResult::kForward);
  const std::string exec = execute_msg("");
  ASSERT_EQ(offer(t, exec), TrackResult::kEstimate);
  std::string want;
  MessageWriter(want, 'P')
      .cstr("gatehouse_estimate")
      .cstr("EXPLAIN (FORMAT JSON) select costly from big where id < $1")
      .u16(1)
      .u32(23);
  MessageWriter(want, 'B')
      .cstr("gatehouse_estimate")
      .cstr("gatehouse_estimate")
      .u16(0)
      .u16(1)
      .i32(4)
      .bytes("4000")
      .u16(0);
  MessageWriter(want, 'E').cstr("gatehouse_estimate").u32(0);
  MessageWriter(want, 'C').u8('P').cstr("gatehouse_estimate");
  MessageWriter(want, 'C').u8('S').cstr("gatehouse_estimate");
  MessageWriter(want, 'H');
  EXPECT_EQ(t.replacement(), want);
  // The server also answers the client's Parse and Bind now (the Flush): those go through.
  // The portal and the statement are closed: two CloseCompletes, neither forwarded.
  EXPECT_EQ(from_server(t, simple('1') + simple('2') + simple('1') + simple('2') + explain_row(3) +
                               complete("EXPLAIN") + simple('3') + simple('3')),
            "12");
  EXPECT_EQ(offer(t, exec), TrackResult::kForward);
  EXPECT_EQ(h.log.back(), "start 1 select costly from big where id < $1 [4000,]");
  // A second costly Execute in the same batch is EXPLAINed under the same names again.
  ASSERT_EQ(offer(t, exec), TrackResult::kEstimate);
  EXPECT_EQ(t.replacement().substr(0, 1), "P");
}

TEST(RequestTrackerEstimates, DiscardedByTheServerAfterAnEarlierErrorTheStatementIsSkipped) {
  CostHooks h;
  RequestTracker t(&h);
  EXPECT_EQ(offer(t, parse_msg("", "select costly from big")), TrackResult::kForward);
  EXPECT_EQ(offer(t, bind_msg("", "", {})), TrackResult::kForward);
  ASSERT_EQ(offer(t, execute_msg("")), TrackResult::kEstimate);
  // The client's Parse failed: the server skips everything up to Sync, the EXPLAIN included.
  EXPECT_EQ(from_server(t, error("25P02")), "E");
  EXPECT_FALSE(t.estimate_pending());
  EXPECT_EQ(offer(t, execute_msg("")), TrackResult::kDrop);  // as the server would
  EXPECT_EQ(offer(t, sync_msg()), TrackResult::kForward);
  EXPECT_EQ(from_server(t, ready('E')), "Z");
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(RequestTrackerEstimates, NeverAsksTwiceAndRefusesAQueryInsideAnUnsyncedBatch) {
  CostHooks h;
  RequestTracker t(&h);
  EXPECT_EQ(offer(t, parse_msg("s", "select 1")), TrackResult::kForward);
  // A Query before the batch's Sync: the server may be skipping, so no EXPLAIN is sent.
  EXPECT_EQ(offer(t, query_msg("select costly")), TrackResult::kDrop);
  EXPECT_NE(std::find(h.log.begin(), h.log.end(),
                      "estimate failed 0A000 a Query sent before the Sync of an "
                      "extended-protocol batch cannot be estimated; send Sync first"),
            h.log.end());
  EXPECT_EQ(offer(t, simple('C', std::string("Ss\0", 3))), TrackResult::kForward);
  EXPECT_EQ(h.log.back(), "closed s");
}

}  // namespace
}  // namespace gh::pg

namespace gh::pg {
namespace {

// Approves "select wide" with an edit to "select costly narrow": the edit is a statement of
// its own (it needs an estimate, then is allowed), sent in place of the client's Query.
class EditingHooks : public CostHooks {
 public:
  Verdict on_statement(const StatementStart& s) override {
    if (s.sql == "select wide") {
      log.push_back("edit " + std::string(s.sql));
      Verdict v;
      v.run_sql = "select costly narrow";
      return v;
    }
    return CostHooks::on_statement(s);
  }
};

TEST(RequestTrackerEdits, AnApprovedEditIsJudgedAndSentInsteadOfTheQuery) {
  EditingHooks h;
  RequestTracker t(&h);
  const std::string q = query_msg("select wide");
  ASSERT_EQ(offer(t, q), TrackResult::kEstimate);  // the edit's estimate
  EXPECT_EQ(t.replacement(), query_msg("EXPLAIN (FORMAT JSON) select costly narrow\n;"));
  EXPECT_EQ(from_server(t, row_description(1) + explain_row(3) + complete("EXPLAIN") + ready()),
            "");
  ASSERT_EQ(offer(t, q), TrackResult::kReplace);
  EXPECT_EQ(t.replacement(), query_msg("select costly narrow"));
  EXPECT_EQ(from_server(t, row_description(1) + data_row() + complete("SELECT 1") + ready()),
            "TDCZ");
  std::vector<std::string> want = {"edit select wide",          "ask select costly narrow",
                                   "edit select wide",          "estimate rows=3",
                                   "start 1 select costly narrow", "columns 1 1",
                                   "row 1",                     "result 1 rows=1 tag=SELECT 1",
                                   "end 1"};
  EXPECT_EQ(h.log, want);
}

TEST(RequestTrackerEdits, ARefusedEditIsTheStatementsRefusalAndAnEditOfAnExecuteIsRefused) {
  EditingHooks h;
  RequestTracker t(&h);
  const std::string q = query_msg("select wide");
  ASSERT_EQ(offer(t, q), TrackResult::kEstimate);
  from_server(t, row_description(1) + explain_row(5000) + complete("EXPLAIN") + ready());
  ASSERT_EQ(offer(t, q), TrackResult::kDrop);  // too costly
  std::string due;
  ASSERT_TRUE(t.take_due_responses(due));
  EXPECT_EQ(due[0], 'E');
  EXPECT_EQ(t.statements(), 1u);
  // The extended protocol cannot swap a statement's text: refused.
  ASSERT_EQ(offer(t, parse_msg("", "select wide")), TrackResult::kForward);
  ASSERT_EQ(offer(t, bind_msg("", "", {})), TrackResult::kForward);
  EXPECT_EQ(offer(t, execute_msg("")), TrackResult::kDrop);
}

}  // namespace
}  // namespace gh::pg
