// GET /api/v1/sessions and /api/v1/sessions/{id}: the state store's sessions index.

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "admin/router.h"

namespace gh::admin {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
constexpr std::string_view kListParams[] = {"limit"};

// RFC 3339 in UTC with nanoseconds: 2026-11-23T10:00:00.123456789Z.
std::string rfc3339_ns(int64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1'000'000'000);
  int64_t frac = unix_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(frac));
  return buf;
}

Json split_groups(const std::string& groups) {
  Json out = Json::array();
  size_t start = 0;
  while (start < groups.size()) {
    size_t comma = groups.find(',', start);
    if (comma == std::string::npos) comma = groups.size();
    if (comma > start) out.push_back(groups.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Json session_json(const store::SessionIndexEntry& s) {
  Json j = Json::object();
  j["id"] = s.session_id;
  j["principal"] = s.principal;
  j["principal_kind"] = s.principal_kind;
  j["groups"] = split_groups(s.groups);
  j["connection"] = s.connection;
  j["client"] = s.client;
  j["user"] = s.user;
  j["application_name"] = s.application_name;
  j["tls"] = s.tls;
  j["started"] = rfc3339_ns(s.started_ns);
  j["ended"] = s.ended_ns != 0 ? Json(rfc3339_ns(s.ended_ns)) : Json(nullptr);
  j["end_reason"] = s.ended_ns != 0 ? Json(s.end_reason) : Json(nullptr);
  j["statements"] = s.statements;
  j["audit"] = {{"stream", s.stream}, {"start_seq", s.start_seq}};
  return j;
}

// Stored strings come from clients (user, application_name): never let bad UTF-8 throw.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool is_session_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

HttpResponse Router::list_sessions(const HttpRequest& req) const {
  for (const auto& [k, v] : req.params) {
    bool known = false;
    for (std::string_view p : kListParams) known = known || k == p;
    if (!known) return json_error(400, "invalid_argument", "unknown query parameter '" + k + "'");
  }
  store::SessionFilter filter;
  filter.limit = kDefaultLimit;
  if (const std::string* limit = req.param("limit")) {
    size_t v = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), v);
    if (limit->empty() || ec != std::errc() || end != limit->data() + limit->size() || v == 0 ||
        v > kMaxLimit) {
      return json_error(400, "invalid_argument",
                        "limit: expected a number of sessions from 1 to " +
                            std::to_string(kMaxLimit));
    }
    filter.limit = v;
  }
  if (deps_.store == nullptr) return json_error(503, "unavailable", "no state store");
  auto sessions = deps_.store->list_sessions(filter);
  if (!sessions.ok())
    return json_error(503, "unavailable", "state store: " + sessions.status().message());
  Json out = Json::object();
  out["sessions"] = Json::array();
  for (const auto& s : *sessions) out["sessions"].push_back(session_json(s));
  out["limit"] = filter.limit;
  HttpResponse r;
  r.body = dump(out);
  return r;
}

HttpResponse Router::get_session(std::string_view id) const {
  if (!is_session_id(id)) return json_error(404, "not_found", "no such session");
  if (deps_.store == nullptr) return json_error(503, "unavailable", "no state store");
  auto s = deps_.store->get_session(id);
  if (!s.ok()) {
    if (s.status().code() == Status::Code::kNotFound)
      return json_error(404, "not_found", "no session '" + std::string(id) + "'");
    return json_error(503, "unavailable", "state store: " + s.status().message());
  }
  HttpResponse r;
  r.body = dump(session_json(*s));
  return r;
}

}  // namespace gh::admin
