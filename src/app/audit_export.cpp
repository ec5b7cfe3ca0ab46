#include "app/audit_export.h"

#include <cctype>
#include <cerrno>
#include <cstring>

#include "app/audit_time.h"

namespace gh::app {

namespace {

using audit::RecordType;

std::string format_ms_from_us(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(us) / 1000.0);
  return buf;
}

}  // namespace

std::string result_outcome(const Json& payload) {
  if (json_bool(payload, "skipped")) return "skipped";
  if (!json_string(payload, "sqlstate").empty()) return "error";
  return "ok";
}

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "jsonl") return ExportFormat::kJsonl;
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "ocsf") return ExportFormat::kOcsf;
  return std::nullopt;
}

void SessionContexts::observe(const AuditRecord& r) {
  if (r.type != RecordType::kSessionStart || !r.payload.is_object()) return;
  std::string id = r.session();
  if (id.empty()) return;
  SessionContext c;
  const Json& p = r.payload;
  if (auto it = p.find("principal"); it != p.end() && it->is_object()) {
    c.principal = json_string(*it, "name");
    c.principal_kind = json_string(*it, "kind");
    if (auto g = it->find("groups"); g != it->end() && g->is_array()) {
      for (const auto& v : *g) {
        if (v.is_string()) c.groups.push_back(v.get<std::string>());
      }
    }
  }
  c.connection = json_string(p, "connection");
  c.client = json_string(p, "client");
  c.user = json_string(p, "user");
  c.application_name = json_string(p, "application_name");
  c.tls = json_bool(p, "tls");
  known_[id] = std::move(c);
}

const SessionContext* SessionContexts::find(const std::string& session) {
  if (session.empty()) return nullptr;
  auto it = known_.find(session);
  if (it == known_.end()) {
    std::optional<SessionContext> c;
    if (store_ != nullptr) {
      if (auto e = store_->get_session(session); e.ok()) {
        c.emplace();
        c->principal = e->principal;
        c->principal_kind = e->principal_kind;
        std::string_view g = e->groups;
        while (!g.empty()) {
          size_t comma = g.find(',');
          if (comma != 0) c->groups.emplace_back(g.substr(0, comma));
          if (comma == std::string_view::npos) break;
          g.remove_prefix(comma + 1);
        }
        c->connection = e->connection;
        c->client = e->client;
        c->user = e->user;
        c->application_name = e->application_name;
        c->tls = e->tls;
      }
    }
    it = known_.emplace(session, std::move(c)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::pair<std::string, int> split_client_address(std::string_view client) {
  std::string_view host = client;
  int port = 0;
  size_t colon = client.rfind(':');
  bool bracketed = !client.empty() && client.front() == '[';
  // A bare IPv6 address has several colons and no port.
  if (colon != std::string_view::npos && (bracketed || client.find(':') == colon)) {
    std::string_view p = client.substr(colon + 1);
    int v = 0;
    bool digits = !p.empty() && p.size() <= 5;
    for (char c : p) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        digits = false;
      else
        v = v * 10 + (c - '0');
    }
    if (digits && v <= 65535) {
      port = v;
      host = client.substr(0, colon);
    }
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {std::string(host), port};
}

std::string csv_field(std::string_view text, bool neutralise_formulas) {
  std::string v;
  if (neutralise_formulas && !text.empty() &&
      (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
       text[0] == '\r')) {
    v = "'";
  }
  v.append(text);
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

RecordExporter::RecordExporter(ExportFormat format, std::FILE* out, store::StateStore* store)
    : format_(format), out_(out), sessions_(store) {}

Status RecordExporter::put(const std::string& line) {
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() ||
      std::fputc('\n', out_) == EOF) {
    return Status::Io(std::string("cannot write the export: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status RecordExporter::begin() {
  if (format_ != ExportFormat::kCsv) return Status::Ok();
  return put(
      "time,type,stream,segment,seq,session,principal,connection,client,user,statement,protocol,"
      "sql,params,decision,rows,duration_ms,status,sqlstate,error,payload");
}

Status RecordExporter::finish() {
  if (std::fflush(out_) != 0 || std::ferror(out_)) {
    return Status::Io(std::string("cannot write the export: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status RecordExporter::write(const AuditRecord& r) {
  sessions_.observe(r);
  std::string line;
  switch (format_) {
    case ExportFormat::kJsonl:
      line = dump_json(record_to_json(r));
      break;
    case ExportFormat::kCsv:
      line = csv_row(r);
      break;
    case ExportFormat::kOcsf:
      line = dump_json(ocsf_event(r));
      break;
  }
  // Statements wait for their result (its OCSF event repeats the statement's SQL).
  std::string session = r.session();
  if (r.type == RecordType::kStatement) {
    auto n = json_int(r.payload, "n");
    std::string sql = json_string(r.payload, "sql");
    if (n) pending_[{session, static_cast<uint64_t>(*n)}] = {sql, ocsf_statement_activity(sql)};
  }
  Status s = put(line);
  if (r.type == RecordType::kResult) {
    if (auto n = json_int(r.payload, "n")) pending_.erase({session, static_cast<uint64_t>(*n)});
  } else if (r.type == RecordType::kSessionEnd) {
    sessions_.forget(session);
    pending_.erase(pending_.lower_bound({session, 0}), pending_.upper_bound({session, UINT64_MAX}));
  }
  if (s.ok()) ++written_;
  return s;
}

std::string RecordExporter::csv_row(const AuditRecord& r) {
  const Json& p = r.payload;
  std::string session = r.session();
  const SessionContext* ctx = sessions_.find(session);
  std::string principal = ctx ? ctx->principal : "";
  std::string connection = ctx ? ctx->connection : "";
  std::string client = ctx ? ctx->client : json_string(p, "client");
  std::string user = ctx ? ctx->user : "";
  std::string statement, protocol, sql, params, decision, rows, duration_ms, status, sqlstate,
      error;
  switch (r.type) {
    case RecordType::kSessionStart:
      status = "ok";
      break;
    case RecordType::kSessionEnd:
      if (auto d = json_int(p, "duration_ms")) duration_ms = std::to_string(*d) + ".000";
      status = json_string(p, "reason");
      break;
    case RecordType::kAuthFailure:
      client = json_string(p, "client");
      user = json_string(p, "user");
      status = "failure";
      error = json_string(p, "reason");
      break;
    case RecordType::kStatement: {
      if (auto n = json_int(p, "n")) statement = std::to_string(*n);
      protocol = json_string(p, "protocol");
      sql = json_string(p, "sql");
      if (auto it = p.find("params"); it != p.end()) params = dump_json(*it);
      decision = json_string(p, "decision");
      status = decision == "allow" ? "ok" : decision;
      error = json_string(p, "reason");
      break;
    }
    case RecordType::kResult:
      if (auto n = json_int(p, "n")) statement = std::to_string(*n);
      if (auto v = json_int(p, "rows")) rows = std::to_string(*v);
      if (auto d = json_int(p, "duration_us")) duration_ms = format_ms_from_us(*d);
      status = result_outcome(p);
      sqlstate = json_string(p, "sqlstate");
      error = json_string(p, "error");
      break;
    default:
      break;
  }
  std::string payload = r.payload.is_null() ? r.raw_payload : dump_json(r.payload);
  std::string line;
  auto add = [&](std::string_view v, bool neutralise = true) {
    if (!line.empty()) line += ',';
    line += csv_field(v, neutralise);
  };
  line = format_rfc3339(r.time_ns, 9);
  add(r.type_name());
  add(std::to_string(r.stream));
  add(std::to_string(r.segment));
  add(std::to_string(r.seq));
  add(session);
  add(principal);
  add(connection);
  add(client);
  add(user);
  add(statement);
  add(protocol);
  add(sql);
  add(params);
  add(decision);
  add(rows);
  add(duration_ms);
  add(status);
  add(sqlstate);
  add(error);
  add(payload, /*neutralise=*/false);
  return line;
}

}  // namespace gh::app
