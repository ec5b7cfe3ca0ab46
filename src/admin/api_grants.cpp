// /api/v1/grants: time-boxed access (just-in-time access). Any authenticated principal asks
// for a connection as a role, for a while and for a reason; approvers decide the request
// through /api/v1/reviews/{id}/approve|deny like any other; once approved the principal may
// open the connection as that role until the grant runs out or is revoked.

#include <spdlog/spdlog.h>

#include "admin/review_json.h"
#include "admin/router.h"
#include "config/units.h"

namespace gh::admin {

HttpResponse Router::request_grant(const HttpRequest& req, const identity::Principal& who) const {
  if (deps_.reviews == nullptr || !deps_.check_grant)
    return json_error(503, "unavailable", "access grants are not enabled");
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(400, "invalid_argument", "the body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    if (k != "connection" && k != "role" && k != "duration" && k != "reason")
      return json_error(400, "invalid_argument", "unknown field '" + k + "'");
    if (!it.value().is_string())
      return json_error(400, "invalid_argument", k + ": expected a string");
  }
  std::string connection = body.value("connection", ""), role = body.value("role", "");
  std::string duration = body.value("duration", ""), reason = body.value("reason", "");
  if (connection.empty() || duration.empty() || reason.empty())
    return json_error(400, "invalid_argument", "connection, duration and reason are required");
  auto d = config::parse_duration(duration);
  const auto max = deps_.grants.max_duration;
  if (!d || d->count() < 60'000 || *d > std::chrono::duration_cast<std::chrono::milliseconds>(max))
    return json_error(400, "invalid_argument",
                      "duration: expected 1m to " + std::to_string(max.count() / 60) +
                          "m (review.max_grant), like 30m or 2h");
  if (std::string why = deps_.check_grant(connection, role); !why.empty())
    return json_error(400, "invalid_argument", why);
  const int64_t now_ns = deps_.now_s() * 1'000'000'000;
  review::Request r;
  r.kind = review::Kind::kGrant;
  r.principal = who.subject;
  r.principal_groups = who.groups;
  r.connection = std::move(connection);
  r.role = std::move(role);
  r.duration_s = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  r.facts = std::move(reason);
  r.approver_groups = deps_.grants.approver_groups;
  r.expires_ns = now_ns + deps_.grants.decide_within.count() * 1'000'000'000;
  review::Request filed = deps_.reviews->create(std::move(r), now_ns);
  spdlog::info("admin API: {} asked for access to {} as {} for {}s: grant request {}", who.label(),
               filed.connection, filed.role.empty() ? "its login" : filed.role, filed.duration_s,
               filed.id);
  HttpResponse resp;
  resp.status = 201;
  resp.body = request_json(filed).dump() + "\n";
  return resp;
}

HttpResponse Router::list_grants(const HttpRequest& req) const {
  if (req.param("kind") != nullptr)
    return json_error(400, "invalid_argument", "unknown query parameter 'kind'");
  HttpRequest grants = req;
  grants.params.emplace_back("kind", "grant");
  return list_reviews(grants);
}

HttpResponse Router::revoke_grant(std::string_view id, const HttpRequest& req,
                                  const identity::Principal& who) const {
  if (deps_.reviews == nullptr) return json_error(503, "unavailable", "access grants are not enabled");
  Json body = Json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() ||
      (body.contains("reason") && !body["reason"].is_string()))
    return json_error(400, "invalid_argument", "the body must be {\"reason\": \"...\"}");
  std::string reason = body.value("reason", "");
  if (reason.empty()) return json_error(400, "invalid_argument", "a revocation needs a reason");
  review::Reviewer reviewer{who.subject, who.groups, true};
  review::Outcome o = deps_.reviews->revoke(std::string(id), reviewer, std::move(reason),
                                            deps_.now_s() * 1'000'000'000);
  if (!o.ok()) return json_error(refusal_status(*o.refused), review::to_string(*o.refused), o.message);
  HttpResponse resp;
  resp.body = request_json(o.request).dump() + "\n";
  return resp;
}

}  // namespace gh::admin
