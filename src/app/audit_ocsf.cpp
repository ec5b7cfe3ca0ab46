// The OCSF mapping of `gatehouse audit export --format ocsf` (docs/audit.md, "ocsf").

#include <cctype>

#include "app/audit_export.h"
#include "app/audit_time.h"

namespace gh::app {

namespace {

using audit::RecordType;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Json ocsf_user(const SessionContext* ctx) {
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
  int status_id = 1;    // Success
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
  Json user = ocsf_user(ctx);
  if (!user.empty()) actor["user"] = user;
  if (!session.empty()) actor["session"] = Json{{"uid", session}};
  if (ctx != nullptr && !ctx->application_name.empty()) actor["app_name"] = ctx->application_name;
  Json src = ocsf_endpoint(ctx ? ctx->client : json_string(p, "client"));
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
      if (auto d = json_int(p, "duration_ms")) extra["duration"] = *d;
      extra["status_detail"] = json_string(p, "reason");
      break;
    case RecordType::kAuthFailure:
      authentication();
      activity_id = 1;
      activity_name = "Logon";
      status_id = 2;
      severity_id = 2;  // Low: one failure is routine, a SIEM rule counts them
      extra["user"] = Json{{"name", json_string(p, "user")}};
      extra["status_detail"] = json_string(p, "reason");
      src = ocsf_endpoint(json_string(p, "client"));
      break;
    case RecordType::kStatement: {
      datastore();
      std::string sql = json_string(p, "sql");
      std::tie(activity_id, activity_name) = ocsf_statement_activity(sql);
      Json q = Json::object();
      q["query_string"] = sql;
      if (auto n = json_int(p, "n")) q["uid"] = session + ":" + std::to_string(*n);
      if (std::string name = json_string(p, "statement_name"); !name.empty()) q["name"] = name;
      extra["query_info"] = q;
      extra["type_id"] = 1;  // Database
      extra["type"] = "Database";
      std::string decision = json_string(p, "decision");
      if (decision == "allow") {
        extra["disposition_id"] = 1;
        extra["disposition"] = "Allowed";
      } else if (decision == "block") {
        extra["disposition_id"] = 2;
        extra["disposition"] = "Blocked";
        status_id = 2;
        severity_id = 3;  // Medium: a guardrail stopped something
        extra["status_detail"] = json_string(p, "reason");
      } else {
        extra["disposition_id"] = 99;
        extra["disposition"] = decision;
      }
      break;
    }
    case RecordType::kResult: {
      datastore();
      Json q = Json::object();
      auto n = json_int(p, "n");
      if (n) {
        q["uid"] = session + ":" + std::to_string(*n);
        auto it = pending_.find({session, static_cast<uint64_t>(*n)});
        if (it != pending_.end()) {
          q["query_string"] = it->second.first;
          std::tie(activity_id, activity_name) = it->second.second;
        }
      }
      if (auto b = json_int(p, "bytes")) q["bytes"] = *b;
      extra["query_info"] = q;
      extra["type_id"] = 1;
      extra["type"] = "Database";
      if (auto d = json_int(p, "duration_us")) extra["duration"] = *d / 1000;
      std::string st = result_outcome(p);
      if (st == "error") {
        status_id = 2;
        extra["status_code"] = json_string(p, "sqlstate");
        extra["status_detail"] = json_string(p, "error");
      } else if (st == "skipped") {
        status_id = 99;
        extra["status"] = "Skipped";
      }
      break;
    }
    case RecordType::kConfigLoaded:
    case RecordType::kKeyCreated:
    case RecordType::kKeyRevoked:
    case RecordType::kCredentialGranted:
    case RecordType::kCredentialRevoked: {
      api_activity();
      if (r.type == RecordType::kKeyCreated || r.type == RecordType::kCredentialGranted) {
        activity_id = 1;
        activity_name = "Create";
      } else if (r.type == RecordType::kKeyRevoked || r.type == RecordType::kCredentialRevoked) {
        activity_id = 4;  // a revoked key can never be used again
        activity_name = "Delete";
      } else {
        activity_id = 3;
        activity_name = "Update";
      }
      Json api =
          Json{{"operation", std::string(r.type_name())}, {"service", Json{{"name", "gatehouse"}}}};
      extra["api"] = api;
      Json resources = Json::array();
      if (r.type == RecordType::kConfigLoaded) {
        Json res = Json{{"type", "config"}};
        if (std::string path = json_string(p, "path"); !path.empty()) res["name"] = path;
        if (std::string h = json_string(p, "config_hash"); !h.empty()) res["uid"] = h;
        resources.push_back(res);
      } else if (r.type == RecordType::kCredentialGranted ||
                 r.type == RecordType::kCredentialRevoked) {
        // An ephemeral backend role: created for one session, dropped after it.
        Json res = Json{{"type", "database_role"}};
        if (std::string n = json_string(p, "role"); !n.empty()) res["name"] = n;
        if (std::string c = json_string(p, "connection"); !c.empty()) res["group"] = Json{{"name", c}};
        resources.push_back(res);
        if (std::string err = json_string(p, "error"); !err.empty()) {
          status_id = 2;
          extra["status_detail"] = err;
        }
      } else {
        Json res = Json{{"type", "api_key"}};
        if (std::string n = json_string(p, "name"); !n.empty()) res["name"] = n;
        if (std::string o = json_string(p, "owner"); !o.empty()) res["owner"] = Json{{"name", o}};
        resources.push_back(res);
      }
      extra["resources"] = resources;
      // The records do not say who ran the command or where: the actor is gatehouse.
      actor = Json{{"app_name", "gatehouse"}};
      break;
    }
    case RecordType::kAdminRequest: {
      // A request to the admin API: who (or an unauthenticated caller), what, the answer.
      api_activity();
      const std::string method = json_string(p, "method");
      if (method == "GET" || method == "HEAD") {
        activity_id = 2;
        activity_name = "Read";
      } else {
        activity_id = 3;
        activity_name = "Update";
      }
      const std::string path = json_string(p, "path");
      extra["api"] = Json{{"operation", method + " " + path},
                          {"service", Json{{"name", "gatehouse admin API"}}}};
      extra["http_request"] = Json{{"http_method", method}, {"url", Json{{"path", path}}}};
      int64_t code = json_int(p, "status").value_or(0);
      extra["api"]["response"] = Json{{"code", code}};
      if (code >= 400) {
        status_id = 2;
        severity_id = code == 401 || code == 403 ? 2 : 1;
      }
      if (std::string who = json_string(p, "principal"); !who.empty()) {
        Json u = Json{{"name", who}, {"type", json_string(p, "principal_kind")}};
        actor = Json{{"user", u}};
      } else {
        actor = Json::object();
      }
      src = ocsf_endpoint(json_string(p, "client"));
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
