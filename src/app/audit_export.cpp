#include "app/audit_export.h"

#include <cctype>
#include <cerrno>
#include <cstring>

#include "app/audit_time.h"

namespace gh::app {

namespace {

using audit::RecordType;

std::string str_field(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::optional<int64_t> int_field(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

bool bool_field(const Json& obj, const char* key) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A result's outcome, as the CSV status column and the OCSF status say it.
std::string result_status(const Json& p) {
  if (bool_field(p, "skipped")) return "skipped";
  if (!str_field(p, "sqlstate").empty()) return "error";
  return "ok";
}

std::string format_ms_from_us(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(us) / 1000.0);
  return buf;
}

Json ocsf_user(const SessionContext* ctx, const std::string& fallback_name) {
  Json user = Json::object();
  if (ctx != nullptr) {
    user["name"] = ctx->principal;
    user["uid"] = ctx->principal_kind + ":" + ctx->principal;
    // Service accounts and agents authenticate with API keys; OIDC principals are people
    // or workloads with their own identity provider entry.
    user["type"] = ctx->principal_kind == "api_key" ? "Service" : "User";
    user["type_id"] = ctx->principal_kind == "api_key" ? 99 : 1;
    Json groups = Json::array();
    for (const auto& g : ctx->groups) groups.push_back(Json{{"name", g}});
    user["groups"] = groups;
  } else if (!fallback_name.empty()) {
    user["name"] = fallback_name;
  }
  return user;
}

Json ocsf_endpoint(const std::string& client) {
  auto [ip, port] = split_client_address(client);
  Json ep = Json::object();
  if (!ip.empty()) ep["ip"] = ip;
  if (port > 0) ep["port"] = port;
  return ep;
}

}  // namespace

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
    c.principal = str_field(*it, "name");
    c.principal_kind = str_field(*it, "kind");
    if (auto g = it->find("groups"); g != it->end() && g->is_array()) {
      for (const auto& v : *g) {
        if (v.is_string()) c.groups.push_back(v.get<std::string>());
      }
    }
  }
  c.connection = str_field(p, "connection");
  c.client = str_field(p, "client");
  c.user = str_field(p, "user");
  c.application_name = str_field(p, "application_name");
  c.tls = bool_field(p, "tls");
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

std::pair<int, std::string> ocsf_statement_activity(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ';') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (sql.substr(i, 2) == "/*") {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  size_t start = i;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) ++i;
  std::string kw = upper(sql.substr(start, i - start));
  if (kw.empty()) return {0, "Unknown"};
  if (kw == "SELECT" || kw == "WITH" || kw == "TABLE" || kw == "VALUES" || kw == "SHOW" ||
      kw == "EXPLAIN" || kw == "FETCH") {
    return {4, "Query"};
  }
  if (kw == "INSERT") return {5, "Write"};
  if (kw == "UPDATE" || kw == "MERGE") return {2, "Update"};
  if (kw == "DELETE" || kw == "TRUNCATE" || kw == "DROP") return {7, "Delete"};
  if (kw == "CREATE") return {6, "Create"};
  return {99, kw};
}

std::pair<std::string, int> split_client_address(std::string_view client) {
  std::string_view host = client;
  int port = 0;
  size_t colon = client.rfind(':');
  bool bracketed = !client.empty() && client.front() == '[';
  // A bare IPv6 address has several colons and no port.
  if (colon != std::string_view::npos &&
      (bracketed || client.find(':') == colon)) {
    std::string_view p = client.substr(colon + 1);
    int v = 0;
    bool digits = !p.empty() && p.size() <= 5;
    for (char c : p) {
      if (!std::isdigit(static_cast<unsigned char>(c))) digits = false;
      else v = v * 10 + (c - '0');
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
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() || std::fputc('\n', out_) == EOF) {
    return Status::Io(std::string("cannot write the export: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status RecordExporter::begin() {
  if (format_ != ExportFormat::kCsv) return Status::Ok();
  return put(
      "time,type,stream,segment,seq,session,principal,connection,client,statement,protocol,sql,"
      "params,decision,rows,duration_ms,status,sqlstate,error,payload");
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
    auto n = int_field(r.payload, "n");
    std::string sql = str_field(r.payload, "sql");
    if (n) pending_[{session, static_cast<uint64_t>(*n)}] = {sql, ocsf_statement_activity(sql)};
  }
  Status s = put(line);
  if (r.type == RecordType::kResult) {
    if (auto n = int_field(r.payload, "n")) pending_.erase({session, static_cast<uint64_t>(*n)});
  } else if (r.type == RecordType::kSessionEnd) {
    sessions_.forget(session);
    pending_.erase(pending_.lower_bound({session, 0}),
                   pending_.upper_bound({session, UINT64_MAX}));
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
  std::string client = ctx ? ctx->client : str_field(p, "client");
  std::string statement, protocol, sql, params, decision, rows, duration_ms, status, sqlstate,
      error;
  switch (r.type) {
    case RecordType::kSessionStart:
      status = "ok";
      break;
    case RecordType::kSessionEnd:
      if (auto d = int_field(p, "duration_ms")) duration_ms = std::to_string(*d) + ".000";
      status = str_field(p, "reason");
      break;
    case RecordType::kAuthFailure:
      client = str_field(p, "client");
      if (principal.empty()) principal = str_field(p, "user");
      status = "failure";
      error = str_field(p, "reason");
      break;
    case RecordType::kStatement: {
      if (auto n = int_field(p, "n")) statement = std::to_string(*n);
      protocol = str_field(p, "protocol");
      sql = str_field(p, "sql");
      if (auto it = p.find("params"); it != p.end()) params = dump_json(*it);
      decision = str_field(p, "decision");
      status = decision == "allow" ? "ok" : decision;
      error = str_field(p, "reason");
      break;
    }
    case RecordType::kResult:
      if (auto n = int_field(p, "n")) statement = std::to_string(*n);
      if (auto v = int_field(p, "rows")) rows = std::to_string(*v);
      if (auto d = int_field(p, "duration_us")) duration_ms = format_ms_from_us(*d);
      status = result_status(p);
      sqlstate = str_field(p, "sqlstate");
      error = str_field(p, "error");
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

Json RecordExporter::ocsf_event(const AuditRecord& r) {
  const Json& p = r.payload;
  std::string session = r.session();
  const SessionContext* ctx = sessions_.find(session);

  int class_uid = 0;
  std::string class_name;
  int category_uid = 0;
  std::string category_name;
  int activity_id = 0;
  std::string activity_name = "Unknown";
  int status_id = 1;  // Success
  int severity_id = 1;  // Informational
  Json ev = Json::object();
  Json extra = Json::object();  // class-specific attributes, added after the common ones

  auto datastore = [&] {
    class_uid = 6005;
    class_name = "Datastore Activity";
    category_uid = 6;
    category_name = "Application Activity";
  };
  auto authentication = [&] {
    class_uid = 3002;
    class_name = "Authentication";
    category_uid = 3;
    category_name = "Identity & Access Management";
  };
  auto api_activity = [&] {
    class_uid = 6003;
    class_name = "API Activity";
    category_uid = 6;
    category_name = "Application Activity";
  };
  auto event_log = [&] {
    class_uid = 1008;
    class_name = "Event Log Activity";
    category_uid = 1;
    category_name = "System Activity";
  };

  Json actor = Json::object();
  Json user = ocsf_user(ctx, "");
  if (!user.empty()) actor["user"] = user;
  if (!session.empty()) actor["session"] = Json{{"uid", session}};
  if (ctx != nullptr && !ctx->application_name.empty()) actor["app_name"] = ctx->application_name;
  Json src = ocsf_endpoint(ctx ? ctx->client : str_field(p, "client"));
  Json database = Json::object();
  if (ctx != nullptr) {
    database["name"] = ctx->connection;
    database["type"] = "PostgreSQL";
    database["type_id"] = 1;  // Relational
  }

  switch (r.type) {
    case RecordType::kSessionStart:
      authentication();
      activity_id = 1;
      activity_name = "Logon";
      extra["user"] = user;
      if (ctx != nullptr) {
        extra["service"] = Json{{"name", ctx->connection}};
        extra["is_remote"] = true;
      }
      break;
    case RecordType::kSessionEnd:
      authentication();
      activity_id = 2;
      activity_name = "Logoff";
      extra["user"] = user;
      if (ctx != nullptr) extra["service"] = Json{{"name", ctx->connection}};
      if (auto d = int_field(p, "duration_ms")) extra["duration"] = *d;
      extra["status_detail"] = str_field(p, "reason");
      break;
    case RecordType::kAuthFailure:
      authentication();
      activity_id = 1;
      activity_name = "Logon";
      status_id = 2;
      severity_id = 2;  // Low: one failure is routine, a SIEM rule counts them
      extra["user"] = Json{{"name", str_field(p, "user")}};
      extra["status_detail"] = str_field(p, "reason");
      src = ocsf_endpoint(str_field(p, "client"));
      break;
    case RecordType::kStatement: {
      datastore();
      std::string sql = str_field(p, "sql");
      std::tie(activity_id, activity_name) = ocsf_statement_activity(sql);
      Json q = Json::object();
      q["query_string"] = sql;
      if (auto n = int_field(p, "n")) q["uid"] = session + ":" + std::to_string(*n);
      if (std::string name = str_field(p, "statement_name"); !name.empty()) q["name"] = name;
      extra["query_info"] = q;
      extra["type_id"] = 1;  // Database
      extra["type"] = "Database";
      std::string decision = str_field(p, "decision");
      if (decision == "allow") {
        extra["disposition_id"] = 1;
        extra["disposition"] = "Allowed";
      } else if (decision == "block") {
        extra["disposition_id"] = 2;
        extra["disposition"] = "Blocked";
        status_id = 2;
        severity_id = 3;  // Medium: a guardrail stopped something
        extra["status_detail"] = str_field(p, "reason");
      } else {
        extra["disposition_id"] = 99;
        extra["disposition"] = decision;
      }
      break;
    }
    case RecordType::kResult: {
      datastore();
      Json q = Json::object();
      auto n = int_field(p, "n");
      if (n) {
        q["uid"] = session + ":" + std::to_string(*n);
        auto it = pending_.find({session, static_cast<uint64_t>(*n)});
        if (it != pending_.end()) {
          q["query_string"] = it->second.first;
          std::tie(activity_id, activity_name) = it->second.second;
        }
      }
      if (auto b = int_field(p, "bytes")) q["bytes"] = *b;
      extra["query_info"] = q;
      extra["type_id"] = 1;
      extra["type"] = "Database";
      if (auto d = int_field(p, "duration_us")) extra["duration"] = *d / 1000;
      std::string st = result_status(p);
      if (st == "error") {
        status_id = 2;
        extra["status_code"] = str_field(p, "sqlstate");
        extra["status_detail"] = str_field(p, "error");
      } else if (st == "skipped") {
        status_id = 99;
        extra["status"] = "Skipped";
      }
      break;
    }
    case RecordType::kConfigLoaded:
    case RecordType::kKeyCreated:
    case RecordType::kKeyRevoked: {
      api_activity();
      if (r.type == RecordType::kKeyCreated) {
        activity_id = 1;
        activity_name = "Create";
      } else if (r.type == RecordType::kKeyRevoked) {
        activity_id = 4;  // a revoked key can never be used again
        activity_name = "Delete";
      } else {
        activity_id = 3;
        activity_name = "Update";
      }
      Json api = Json{{"operation", std::string(r.type_name())},
                      {"service", Json{{"name", "gatehouse"}}}};
      extra["api"] = api;
      Json resources = Json::array();
      if (r.type == RecordType::kConfigLoaded) {
        Json res = Json{{"type", "config"}};
        if (std::string h = str_field(p, "config_hash"); !h.empty()) res["uid"] = h;
        if (std::string h = str_field(p, "hash"); !h.empty()) res["uid"] = h;
        resources.push_back(res);
      } else {
        Json res = Json{{"type", "api_key"}};
        if (std::string n = str_field(p, "name"); !n.empty()) res["name"] = n;
        resources.push_back(res);
      }
      extra["resources"] = resources;
      if (actor.find("user") == actor.end()) {
        for (const char* k : {"by", "actor", "operator"}) {
          if (std::string who = str_field(p, k); !who.empty()) {
            actor["user"] = Json{{"name", who}};
            break;
          }
        }
      }
      if (actor.empty()) actor["app_name"] = "gatehouse";
      if (src.empty()) {
        if (std::string host = str_field(p, "host"); !host.empty()) src["hostname"] = host;
      }
      break;
    }
    case RecordType::kSegmentClose:
      event_log();
      activity_id = 5;
      activity_name = "Rotate";
      break;
    case RecordType::kPrune:
      event_log();
      activity_id = 2;
      activity_name = "Delete";
      break;
    case RecordType::kRecovery:
      event_log();
      activity_id = 8;
      activity_name = "Restart";
      severity_id = 2;  // the gateway stopped without closing its log
      break;
    case RecordType::kCheckpoint:
      event_log();
      activity_id = 99;
      activity_name = "Checkpoint";
      break;
    default:
      event_log();
      activity_id = 0;
      activity_name = std::string(r.type_name());
      break;
  }

  ev["class_uid"] = class_uid;
  ev["class_name"] = class_name;
  ev["category_uid"] = category_uid;
  ev["category_name"] = category_name;
  ev["activity_id"] = activity_id;
  ev["activity_name"] = activity_name;
  ev["type_uid"] = int64_t{class_uid} * 100 + activity_id;
  ev["type_name"] = class_name + ": " + activity_name;
  ev["time"] = r.time_ns / 1'000'000;
  ev["severity_id"] = severity_id;
  ev["severity"] = severity_id == 1 ? "Informational" : severity_id == 2 ? "Low" : "Medium";
  ev["status_id"] = status_id;
  if (extra.find("status") == extra.end()) {
    ev["status"] = status_id == 1 ? "Success" : status_id == 2 ? "Failure" : "Other";
  }
  Json metadata = Json::object();
  metadata["version"] = std::string(kOcsfVersion);
  metadata["product"] = Json{{"name", "gatehouse"},
                             {"vendor_name", "gatehouse"},
                             {"version", std::string(gatehouse_version())}};
  metadata["uid"] = std::to_string(r.stream) + ":" + std::to_string(r.seq);
  metadata["log_name"] = "gatehouse-audit";
  metadata["original_time"] = format_rfc3339(r.time_ns, 9);
  if (!session.empty()) metadata["correlation_uid"] = session;
  if (extra.find("disposition_id") != extra.end()) {
    metadata["profiles"] = Json::array({"security_control"});
  }
  ev["metadata"] = metadata;
  if (!actor.empty()) ev["actor"] = actor;
  if (!src.empty()) ev["src_endpoint"] = src;
  if (class_uid == 6005 && !database.empty()) ev["database"] = database;
  if (class_uid == 3002 && !session.empty()) ev["session"] = Json{{"uid", session}};
  for (auto it = extra.begin(); it != extra.end(); ++it) ev[it.key()] = it.value();
  Json gh = Json::object();
  gh["type"] = std::string(r.type_name());
  gh["stream"] = r.stream;
  gh["segment"] = r.segment;
  gh["seq"] = r.seq;
  gh["payload"] = r.payload;
  if (!r.raw_payload.empty()) gh["payload_text"] = r.raw_payload;
  ev["unmapped"] = Json{{"gatehouse", gh}};
  return ev;
}

}  // namespace gh::app
