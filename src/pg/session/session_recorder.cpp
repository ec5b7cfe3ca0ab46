#include "pg/session/session_recorder.h"

#include <algorithm>
#include <ctime>

#include "common/crypto.h"
#include "common/json_writer.h"
#include "pg/protocol/reader.h"

namespace gh::pg {

namespace {

constexpr size_t kMaxRecordedSql = 1u << 20;

// A value as recorded: text as is (cut to `max` bytes), binary as \x hex.
void append_value(JsonWriter& w, std::string_view v, bool binary, uint32_t max, bool* truncated) {
  std::string text;
  if (binary) {
    static constexpr char kHex[] = "0123456789abcdef";
    size_t n = std::min<size_t>(v.size(), max / 2);
    text.reserve(2 + n * 2);
    text = "\\x";
    for (size_t i = 0; i < n; ++i) {
      text.push_back(kHex[static_cast<unsigned char>(v[i]) >> 4]);
      text.push_back(kHex[static_cast<unsigned char>(v[i]) & 0xf]);
    }
    *truncated = n < v.size();
  } else {
    text.assign(v.substr(0, max));
    *truncated = v.size() > max;
  }
  w.value(text);
}

bool looks_binary(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && u != '\t' && u != '\n' && u != '\r') return true;
  }
  return false;
}

}  // namespace

SessionRecorder::SessionRecorder(audit::StreamWriter& writer, const config::RecordingConfig& cfg,
                                 SessionIdentity identity)
    : writer_(writer), cfg_(cfg), id_(std::move(identity)) {
  wants_parameters = true;
  wants_columns = true;
  wants_rows = cfg_.result_rows > 0;
}

bool SessionRecorder::append(audit::RecordType type, int64_t now_ns, const std::string& payload) {
  auto seq = writer_.append(type, now_ns, payload);
  if (!seq.ok()) {
    error_ = seq.status().message();
    return false;
  }
  last_seq_ = seq.value();
  return true;
}

bool SessionRecorder::record_start(int64_t now_ns) {
  payload_.clear();
  JsonWriter w(payload_);
  w.begin_object().field("session", id_.session_id);
  append_principal(w, id_.principal);
  w.field("client", id_.client)
      .field("tls", id_.tls)
      .field("connection", id_.connection)
      .field("user", id_.user)
      .field("application_name", id_.application_name);
  w.key("access")
      .begin_object()
      .field("rule", id_.access_rule)
      .field("role", id_.backend_role)
      .field("login", id_.backend_login)
      .end_object();
  w.end_object();
  if (!append(audit::RecordType::kSessionStart, now_ns, payload_)) return false;
  start_seq_ = last_seq_;
  return true;
}

void append_principal(JsonWriter& w, const identity::Principal& p) {
  bool key = p.kind == identity::PrincipalKind::kApiKey;
  // "name" is what exports and `sessions` show: the key's name, or the token's display name.
  const std::string& name = key || p.display_name.empty() ? p.subject : p.display_name;
  w.key("principal").begin_object().field("kind", p.kind_name()).field("name", name);
  if (key) {
    w.field("owner", p.display_name);
  } else {
    w.field("issuer", p.issuer).field("subject", p.subject).field("display_name", p.display_name);
  }
  w.key("groups").begin_array();
  for (const auto& g : p.groups) w.value(g);
  w.end_array();
  if (p.expires_at != 0) w.field("expires_at", p.expires_at);
  w.end_object();
}

void SessionRecorder::record_end(int64_t now_ns, std::string_view reason, uint64_t statements,
                                 uint64_t bytes_in, uint64_t bytes_out, int64_t duration_ms) {
  payload_.clear();
  JsonWriter w(payload_);
  w.begin_object()
      .field("session", id_.session_id)
      .field("reason", reason)
      .field("statements", statements)
      .field("bytes_in", bytes_in)
      .field("bytes_out", bytes_out)
      .field("duration_ms", duration_ms)
      .end_object();
  append(audit::RecordType::kSessionEnd, now_ns, payload_);
}

void SessionRecorder::append_params(JsonWriter& w, const BindMessage& bind) {
  std::vector<BindParam>& params = params_scratch_;
  std::vector<uint32_t>& truncated = truncated_scratch_;
  truncated.clear();
  w.key("params").begin_array();
  if (bind_params(bind, params)) {
    uint64_t budget = cfg_.statement_params_max_bytes;
    for (uint32_t i = 0; i < params.size(); ++i) {
      const BindParam& p = params[i];
      if (p.is_null) {
        w.null();
        continue;
      }
      uint32_t max = static_cast<uint32_t>(std::min<uint64_t>(cfg_.param_max_bytes, budget));
      bool cut = false;
      append_value(w, p.value, p.binary, max, &cut);
      uint64_t used = std::min<uint64_t>(p.value.size() * (p.binary ? 2 : 1), max);
      budget -= std::min(budget, used);
      if (cut) truncated.push_back(i);
    }
  }
  w.end_array();
  w.key("params_truncated").begin_array();
  for (uint32_t i : truncated) w.value(i);
  w.end_array();
}

Verdict SessionRecorder::on_statement(const StatementStart& s) {
  // A statement allowed at its Parse is recorded at each Execute; one refused there is
  // recorded now (it never reaches an Execute).
  if (s.at_parse && (s.prior == nullptr || s.prior->allow)) return Verdict::Allow();
  payload_.clear();
  JsonWriter w(payload_);
  w.begin_object()
      .field("session", id_.session_id)
      .field("n", s.id)
      .field("protocol", s.protocol == Protocol::kSimple ? "simple" : "extended");
  if (s.sql.size() <= kMaxRecordedSql) {
    w.field("sql", s.sql);
  } else {
    // A record must fit a segment: keep the head, and the hash of the whole text.
    w.field("sql", s.sql.substr(0, kMaxRecordedSql))
        .field("sql_truncated", true)
        .field("sql_bytes", static_cast<uint64_t>(s.sql.size()))
        .field("sql_sha256", crypto::to_hex(crypto::sha256(s.sql)));
  }
  if (s.protocol == Protocol::kExtended) {
    w.field("statement_name", s.statement_name).field("portal", s.portal_name);
    if (s.bind != nullptr) append_params(w, *s.bind);
  }
  if (s.prior != nullptr && !s.prior->allow) {
    w.field("decision", s.prior->decision != nullptr ? s.prior->decision : "block")
        .field("reason", s.prior->message);
  } else {
    w.field("decision", "allow");
  }
  if (s.prior != nullptr && !s.prior->rules.empty()) w.field("rules", s.prior->rules);
  if (s.prior != nullptr && !s.prior->estimate.empty()) w.field("estimate", s.prior->estimate);
  w.end_object();
  if (!append(audit::RecordType::kStatement, unix_now_ns(), payload_)) {
    return Verdict::Refuse("58030",
                           "gatehouse cannot record this statement in its audit log, so it was "
                           "not run: " +
                               error_);
  }
  return Verdict::Allow();
}

void SessionRecorder::on_columns(uint64_t id, const std::vector<ColumnDescription>& cols) {
  cur_id_ = id;
  cur_rows_json_.clear();
  // A session mostly runs the same few statements: the same columns as the last result keep
  // their JSON.
  const bool same =
      cols.size() == cur_columns_.size() &&
      std::equal(cols.begin(), cols.end(), cur_columns_.begin(),
                 [](const ColumnDescription& c, const RecordedColumn& r) {
                   return c.type_oid == r.type_oid && c.format == r.format && c.name == r.name;
                 });
  if (same) return;
  cur_columns_.resize(cols.size());
  cur_binary_.assign(cols.size(), false);
  for (size_t i = 0; i < cols.size(); ++i) {
    cur_columns_[i] = RecordedColumn{std::string(cols[i].name), cols[i].type_oid, cols[i].format};
    cur_binary_[i] = cols[i].format == 1;
  }
  cur_columns_json_.clear();
  JsonWriter w(cur_columns_json_);
  w.begin_array();
  for (const auto& c : cols) {
    w.begin_object().field("name", c.name).field("type_oid", c.type_oid).end_object();
  }
  w.end_array();
}

void SessionRecorder::on_row(uint64_t id, std::string_view row) {
  if (id != cur_id_ || cur_rows_json_.size() >= cfg_.result_rows) return;
  std::string json;
  JsonWriter w(json);
  w.begin_array();
  BodyReader r(row);
  uint16_t n = r.u16();
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    int32_t len = r.i32();
    if (len < 0) {
      w.null();
      continue;
    }
    std::string_view v = r.bytes(static_cast<size_t>(len));
    bool cut = false;
    // Binary-format values (as described, or evidently not text) are recorded as \x hex.
    bool binary = (i < cur_binary_.size() && cur_binary_[i]) || looks_binary(v);
    append_value(w, v, binary, cfg_.result_value_max_bytes, &cut);
  }
  w.end_array();
  cur_rows_json_.push_back(std::move(json));
}

void SessionRecorder::on_result(uint64_t id, const ResultSummary& r) {
  payload_.clear();
  JsonWriter w(payload_);
  w.begin_object().field("session", id_.session_id).field("n", id);
  w.key("columns").raw(id == cur_id_ ? std::string_view(cur_columns_json_)
                                     : std::string_view("[]"));
  w.field("rows", r.rows)
      .field("bytes", r.bytes)
      .field("duration_us", r.duration_ns / 1000)
      .field("tag", r.command_tag);
  if (!r.sqlstate.empty()) w.field("sqlstate", r.sqlstate).field("error", r.error_message);
  if (r.suspended) w.field("suspended", true);
  if (!r.masked.empty()) w.key("masked").raw(r.masked);
  if (cfg_.result_rows > 0 && id == cur_id_) {
    w.key("sample_rows").begin_array();
    for (const auto& row : cur_rows_json_) w.raw(row);
    w.end_array();
  }
  w.end_object();
  append(audit::RecordType::kResult, unix_now_ns(), payload_);
  cur_id_ = 0;
  cur_rows_json_.clear();
}

void SessionRecorder::on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) {
  if (!skipped) return;
  // A statement the server never ran (an earlier error in the same pipeline).
  payload_.clear();
  JsonWriter w(payload_);
  w.begin_object()
      .field("session", id_.session_id)
      .field("n", id)
      .field("skipped", true)
      .field("rows", uint64_t{0})
      .end_object();
  append(audit::RecordType::kResult, unix_now_ns(), payload_);
}

}  // namespace gh::pg
