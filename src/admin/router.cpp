#include "admin/router.h"

#include "common/json_writer.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <exception>
#include <optional>

namespace gh::admin {

namespace {

enum class Endpoint {
  kHealthz,
  kReadyz,
  kMetrics,
  kSessions,
  kSession,
  kPolicy,
  kReviews,
  kReview,
  kApprove,
  kDeny,
  kEvidence,
  kGrants,
  kRevokeGrant
};

struct RouteMatch {
  Endpoint endpoint;
  std::string_view allow;  // the methods it answers, for 405's Allow header
  RoleSet roles;           // empty: no authentication
  std::string_view id;     // the {id} of /api/v1/sessions/{id}
};

constexpr std::string_view kApiPrefix = "/api/";

// Under /api/: authenticated, and recorded in the audit trail.
bool is_api(const HttpRequest& req) {
  return std::string_view(req.path).starts_with(kApiPrefix) || req.path == "/api";
}
constexpr std::string_view kSessionsPath = "/api/v1/sessions";
constexpr std::string_view kReviewsPath = "/api/v1/reviews";

const RoleSet kReaders{Role::kAdmin, Role::kAuditor};
const RoleSet kReviewReaders{Role::kAdmin, Role::kApprover, Role::kAuditor};
const RoleSet kReviewers{Role::kAdmin, Role::kApprover};
constexpr std::string_view kGrantsPath = "/api/v1/grants";

// /api/v1/reviews/{id}[/approve|/deny]
std::optional<RouteMatch> match_review(std::string_view path) {
  if (path == kReviewsPath) return RouteMatch{Endpoint::kReviews, "GET", kReviewReaders, {}};
  if (!path.starts_with(kReviewsPath) || path.size() <= kReviewsPath.size() + 1 ||
      path[kReviewsPath.size()] != '/')
    return std::nullopt;
  std::string_view rest = path.substr(kReviewsPath.size() + 1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return RouteMatch{Endpoint::kReview, "GET", kReviewReaders, rest};
  std::string_view id = rest.substr(0, slash), action = rest.substr(slash + 1);
  if (id.empty()) return std::nullopt;
  if (action == "approve") return RouteMatch{Endpoint::kApprove, "POST", kReviewers, id};
  if (action == "deny") return RouteMatch{Endpoint::kDeny, "POST", kReviewers, id};
  return std::nullopt;
}

std::optional<RouteMatch> match_path(std::string_view path) {
  if (path == "/healthz") return RouteMatch{Endpoint::kHealthz, "GET", {}, {}};
  if (path == "/readyz") return RouteMatch{Endpoint::kReadyz, "GET", {}, {}};
  if (path == "/metrics") return RouteMatch{Endpoint::kMetrics, "GET", {}, {}};
  if (path == kSessionsPath) return RouteMatch{Endpoint::kSessions, "GET", kReaders, {}};
  if (path == "/api/v1/policy") return RouteMatch{Endpoint::kPolicy, "GET", kReaders, {}};
  if (path == "/api/v1/evidence") return RouteMatch{Endpoint::kEvidence, "GET", kReaders, {}};
  // GET lists (reviewers and auditors), POST asks (any principal): roles checked per method.
  if (path == kGrantsPath) return RouteMatch{Endpoint::kGrants, "GET, POST", {}, {}};
  if (path.starts_with(kGrantsPath) && path.ends_with("/revoke") &&
      path.size() > kGrantsPath.size() + 1 + 7 && path[kGrantsPath.size()] == '/') {
    std::string_view id = path.substr(kGrantsPath.size() + 1,
                                      path.size() - kGrantsPath.size() - 1 - 7);
    if (id.find('/') == std::string_view::npos)
      return RouteMatch{Endpoint::kRevokeGrant, "POST", kReviewers, id};
  }
  if (auto r = match_review(path)) return r;
  if (path.starts_with(kSessionsPath) && path.size() > kSessionsPath.size() + 1 &&
      path[kSessionsPath.size()] == '/') {
    std::string_view id = path.substr(kSessionsPath.size() + 1);
    if (id.find('/') == std::string_view::npos)
      return RouteMatch{Endpoint::kSession, "GET", kReaders, id};
  }
  return std::nullopt;
}

bool method_allowed(std::string_view method, std::string_view allow) {
  // `allow` is a comma-separated list ("GET" or "GET, POST").
  size_t pos = 0;
  while (pos <= allow.size()) {
    size_t comma = allow.find(',', pos);
    std::string_view m = allow.substr(pos, comma == std::string_view::npos ? allow.npos : comma - pos);
    while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
    if (m == method) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

HttpResponse json_ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

}  // namespace

Router::Router(RouterDeps deps) : deps_(std::move(deps)) {
  deps_.metrics.admin = &counters_;
  if (!deps_.now_s) deps_.now_s = [] { return static_cast<int64_t>(std::time(nullptr)); };
}

HttpResponse Router::handle(const HttpRequest& req) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  HttpResponse r;
  std::optional<identity::Principal> who;
  const bool api = is_api(req);
  try {
    // A change is taken only while its record (and the review records it causes) can be
    // written: fail closed, as statements do.
    std::string not_ready;
    if (api && deps_.record_request && req.method != "GET" && req.method != "HEAD" &&
        deps_.readiness)
      not_ready = deps_.readiness();
    r = not_ready.empty()
            ? route(req, who)
            : json_error(503, "audit_unavailable",
                         "the audit trail cannot be written, so no change is taken: " + not_ready);
  } catch (const std::exception& e) {
    spdlog::error("admin API: {} {}: internal error: {}", req.method, req.path, e.what());
    r = json_error(500, "internal", "internal error; see the gatehouse log");
  }
  if (api && deps_.record_request &&
      !deps_.record_request(request_record(req, who ? &*who : nullptr, r.status))) {
    spdlog::error("admin API: {} {}: the request could not be recorded in the audit trail",
                  req.method, req.path);
    // A read is not answered unrecorded; a change already taken is answered as it went (what
    // it changed has records of its own).
    if (req.method == "GET" || req.method == "HEAD")
      r = json_error(503, "audit_unavailable",
                     "the audit trail cannot be written, so the request is not answered");
  }
  if (r.status == 401) counters_.unauthenticated.fetch_add(1, std::memory_order_relaxed);
  if (r.status == 403) counters_.forbidden.fetch_add(1, std::memory_order_relaxed);
  return r;
}

std::variant<identity::Principal, HttpResponse> Router::authenticate(const HttpRequest& req) {
  if (deps_.auth == nullptr)
    return json_error(401, "unauthenticated", "the admin API has no authenticator");
  auto p = deps_.auth->authenticate(req.header("Authorization"), deps_.now_s());
  if (p.ok()) return std::move(p.value());
  if (p.status().code() == Status::Code::kUnavailable)
    return json_error(503, "unavailable", p.status().message());
  return json_error(401, "unauthenticated", p.status().message());
}

std::string Router::request_record(const HttpRequest& req, const identity::Principal* who,
                                   int status) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  if (who != nullptr) {
    w.field("principal", who->subject).field("principal_kind", who->kind_name());
    if (!who->issuer.empty()) w.field("issuer", who->issuer);
    w.key("groups").begin_array();
    for (const std::string& g : who->groups) w.value(g);
    w.end_array();
  } else {
    w.key("principal").null();  // not authenticated (the answer says why)
  }
  w.field("method", req.method).field("path", req.path);
  if (!req.params.empty()) {
    w.key("query").begin_object();
    for (const auto& [k, v] : req.params) w.field(k, v);
    w.end_object();
  }
  if (!req.client.empty()) w.field("client", req.client);
  w.field("status", status).end_object();
  return out;
}

HttpResponse Router::route(const HttpRequest& req, std::optional<identity::Principal>& principal) {
  std::optional<RouteMatch> m = match_path(req.path);
  if (is_api(req)) {
    auto who = authenticate(req);
    if (auto* r = std::get_if<HttpResponse>(&who)) {
      r->headers.emplace_back("WWW-Authenticate", "Bearer");
      return std::move(*r);
    }
    principal = std::move(std::get<identity::Principal>(who));
  }
  if (!m) return json_error(404, "not_found", "no such endpoint");
  if (!method_allowed(req.method, m->allow)) {
    HttpResponse r = json_error(405, "method_not_allowed",
                                req.method + " is not allowed here; allowed: " +
                                    std::string(m->allow));
    r.headers.emplace_back("Allow", std::string(m->allow));
    return r;
  }
  if (!m->roles.empty()) {
    RoleSet held = roles_of(principal->groups, deps_.roles);
    if (!held.any_of(m->roles)) {
      return json_error(403, "forbidden",
                        principal->label() + " needs the " + m->roles.names() +
                            " role (from admin.roles) for this endpoint");
    }
  }
  switch (m->endpoint) {
    case Endpoint::kHealthz:
      return json_ok("{\"status\":\"ok\"}\n");
    case Endpoint::kReadyz:
      return readyz();
    case Endpoint::kMetrics:
      return metrics();
    case Endpoint::kSessions:
      return list_sessions(req);
    case Endpoint::kSession:
      return get_session(m->id);
    case Endpoint::kPolicy:
      return get_policy();
    case Endpoint::kReviews:
      return list_reviews(req);
    case Endpoint::kReview:
      return get_review(m->id);
    case Endpoint::kApprove:
    case Endpoint::kDeny:
      return decide_review(m->id, m->endpoint == Endpoint::kApprove, req, *principal);
    case Endpoint::kEvidence:
      return get_evidence(req, *principal);
    case Endpoint::kGrants:
      if (req.method == "POST") return request_grant(req, *principal);
      if (!roles_of(principal->groups, deps_.roles).any_of(kReviewReaders))
        return json_error(403, "forbidden",
                          principal->label() + " needs the admin, approver or auditor role (from "
                          "admin.roles) to list grants");
      return list_grants(req);
    case Endpoint::kRevokeGrant:
      return revoke_grant(m->id, req, *principal);
  }
  return json_error(404, "not_found", "no such endpoint");
}

HttpResponse Router::readyz() const {
  std::string why = deps_.readiness ? deps_.readiness() : std::string("not started");
  if (!why.empty()) return json_error(503, "not_ready", why);
  return json_ok("{\"status\":\"ready\"}\n");
}

HttpResponse Router::metrics() const {
  HttpResponse r;
  r.content_type = std::string(kMetricsContentType);
  r.body = render_metrics(deps_.metrics);
  return r;
}

}  // namespace gh::admin
