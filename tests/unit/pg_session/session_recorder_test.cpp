#include "pg/session/session_recorder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "pg/protocol/builders.h"

namespace gh::pg {
namespace {

// Keeps appended records in memory; can be told to fail like a full disk.
class MemoryWriter final : public audit::StreamWriter {
 public:
  struct Record {
    audit::RecordType type;
    nlohmann::json payload;
  };
  Result<uint64_t> append(audit::RecordType type, int64_t, std::string_view payload) override {
    if (fail) return Status::Io("audit: cannot write segment: No space left on device");
    auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "invalid JSON payload: " << payload;
    records.push_back({type, j});
    return ++seq;
  }
  void tick(int64_t) override {}
  Status close() override { return Status::Ok(); }
  Result<audit::PruneResult> prune(int64_t) override { return audit::PruneResult{}; }
  bool healthy() const override { return !fail; }
  const std::string& last_error() const override { return err; }
  uint64_t last_seq() const override { return seq; }
  uint64_t segment() const override { return 0; }
  void request_sync(uint64_t, std::function<void(bool)> done) override { done(true); }
  uint64_t durable_seq() const override { return seq; }
  bool sync_now() override { return !fail; }

  std::vector<Record> records;
  bool fail = false;
  uint64_t seq = 0;
  std::string err;
};

SessionIdentity identity() {
  SessionIdentity id;
  id.session_id = "s1";
  id.principal.kind = identity::PrincipalKind::kApiKey;
  id.principal.subject = "agent";
  id.principal.display_name = "team";
  id.principal.groups = {"a", "b"};
  id.client = "127.0.0.1:5000";
  id.connection = "app";
  id.user = "u";
  id.application_name = "app\"name";
  return id;
}

TEST(SessionRecorder, StatementWithParamsIsValidJsonAndCapped) {
  MemoryWriter w;
  config::RecordingConfig cfg;
  cfg.param_max_bytes = 4;
  cfg.statement_params_max_bytes = 6;
  SessionRecorder rec(w, cfg, identity());
  ASSERT_TRUE(rec.record_start(1));

  std::string bind_body;
  MessageWriter(bind_body, 'B')
      .cstr("")
      .cstr("s1")
      .u16(0)
      .u16(3)
      .i32(6)
      .bytes("abcdef")
      .i32(-1)
      .i32(3)
      .bytes("xyz")
      .u16(0);
  BindMessage bind;
  ASSERT_TRUE(parse_bind(std::string_view(bind_body).substr(5), bind));
  StatementStart s;
  s.id = 1;
  s.protocol = Protocol::kExtended;
  s.sql = "select $1, $2, $3";
  s.statement_name = "s1";
  s.bind = &bind;
  EXPECT_TRUE(rec.on_statement(s).allow);

  ASSERT_EQ(w.records.size(), 2u);
  const auto& p = w.records[1].payload;
  EXPECT_EQ(w.records[1].type, audit::RecordType::kStatement);
  EXPECT_EQ(p["sql"], "select $1, $2, $3");
  EXPECT_EQ(p["decision"], "allow");
  // 4 bytes per value, 6 per statement: "abcd", NULL, then 2 bytes left -> "xy".
  EXPECT_EQ(p["params"], nlohmann::json::parse(R"(["abcd", null, "xy"])"));
  EXPECT_EQ(p["params_truncated"], nlohmann::json::parse("[0, 2]"));
  EXPECT_EQ(w.records[0].payload["application_name"], "app\"name");
  EXPECT_EQ(w.records[0].payload["principal"]["groups"], nlohmann::json::parse(R"(["a","b"])"));
  EXPECT_EQ(w.records[0].payload["principal"]["name"], "agent");
  EXPECT_EQ(w.records[0].payload["principal"]["owner"], "team");
  EXPECT_EQ(w.records[0].payload["principal"]["kind"], "api_key");
}

TEST(SessionRecorder, TokenPrincipalAndAccessAreRecorded) {
  MemoryWriter w;
  SessionIdentity id = identity();
  id.principal = {};
  id.principal.kind = identity::PrincipalKind::kToken;
  id.principal.issuer = "https://idp.example";
  id.principal.subject = "4f1c";
  id.principal.display_name = "alice@example.com";
  id.principal.groups = {"data-agents"};
  id.principal.expires_at = 1800000000;
  id.access_rule = "/etc/gatehouse.yaml:12";
  id.backend_role = "analyst_ro";
  id.backend_login = "analyst";
  SessionRecorder rec(w, config::RecordingConfig{}, id);
  ASSERT_TRUE(rec.record_start(1));
  const auto& p = w.records[0].payload;
  EXPECT_EQ(p["principal"]["kind"], "oidc");
  EXPECT_EQ(p["principal"]["name"], "alice@example.com");
  EXPECT_EQ(p["principal"]["issuer"], "https://idp.example");
  EXPECT_EQ(p["principal"]["subject"], "4f1c");
  EXPECT_EQ(p["principal"]["expires_at"], 1800000000);
  EXPECT_FALSE(p["principal"].contains("owner"));
  EXPECT_EQ(p["access"]["rule"], "/etc/gatehouse.yaml:12");
  EXPECT_EQ(p["access"]["role"], "analyst_ro");
  EXPECT_EQ(p["access"]["login"], "analyst");
}

TEST(SessionRecorder, UnwritableLogRefusesWith58030) {
  MemoryWriter w;
  config::RecordingConfig cfg;
  SessionRecorder rec(w, cfg, identity());
  w.fail = true;
  StatementStart s;
  s.id = 1;
  s.sql = "delete from t";
  Verdict v = rec.on_statement(s);
  EXPECT_FALSE(v.allow);
  EXPECT_STREQ(v.sqlstate, "58030");
  EXPECT_NE(v.message.find("No space left on device"), std::string::npos) << v.message;
}

TEST(SessionRecorder, ResultRecordsColumnsRowsAndSampleRows) {
  MemoryWriter w;
  config::RecordingConfig cfg;
  cfg.result_rows = 1;
  SessionRecorder rec(w, cfg, identity());
  StatementStart s;
  s.id = 7;
  s.sql = "select 1";
  rec.on_statement(s);
  ColumnDescription c;
  c.name = "x";
  c.type_oid = 23;
  rec.on_columns(7, {c});
  std::string row;
  MessageWriter(row, 'D').u16(1).i32(1).bytes("1");
  rec.on_row(7, std::string_view(row).substr(5));
  rec.on_row(7, std::string_view(row).substr(5));  // beyond result_rows: not recorded
  ResultSummary r;
  r.rows = 2;
  r.bytes = 22;
  r.command_tag = "SELECT 2";
  r.duration_ns = 5000;
  rec.on_result(7, r);
  const auto& p = w.records.back().payload;
  EXPECT_EQ(w.records.back().type, audit::RecordType::kResult);
  EXPECT_EQ(p["n"], 7);
  EXPECT_EQ(p["rows"], 2);
  EXPECT_EQ(p["duration_us"], 5);
  EXPECT_EQ(p["columns"], nlohmann::json::parse(R"([{"name":"x","type_oid":23}])"));
  EXPECT_EQ(p["sample_rows"], nlohmann::json::parse(R"([["1"]])"));
}

// Results in turn: each record names its own result's columns, whether they changed or not,
// and a result with no RowDescription has none.
TEST(SessionRecorder, EachResultRecordsItsOwnColumns) {
  MemoryWriter w;
  config::RecordingConfig cfg;
  SessionRecorder rec(w, cfg, identity());
  ColumnDescription x;
  x.name = "x";
  x.type_oid = 23;
  ColumnDescription y = x;
  y.name = "y";
  ColumnDescription x_text = x;
  x_text.type_oid = 25;
  const std::vector<std::vector<ColumnDescription>> results = {{x}, {x}, {x, y}, {x_text}, {}, {x}};
  ResultSummary r;
  for (uint64_t id = 1; id <= results.size(); ++id) {
    rec.on_columns(id, results[id - 1]);
    rec.on_result(id, r);
  }
  rec.on_result(99, r);  // no RowDescription (an INSERT, say)
  std::vector<std::string> got;
  for (const auto& rec_ : w.records) got.push_back(rec_.payload["columns"].dump());
  const std::vector<std::string> want = {
      R"([{"name":"x","type_oid":23}])",
      R"([{"name":"x","type_oid":23}])",
      R"([{"name":"x","type_oid":23},{"name":"y","type_oid":23}])",
      R"([{"name":"x","type_oid":25}])",
      R"([])",
      R"([{"name":"x","type_oid":23}])",
      R"([])",
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace gh::pg
