// /api/v1/reviews: list and show review requests (admin, approver, auditor), approve (with an
// optional edit of the statement) and deny them (admin, approver; the review book checks the
// rule's approver groups, self-review and distinct approvers; deps.check_edit judges an edit).

#include <nlohmann/json.hpp>

#include "admin/review_json.h"
#include "admin/router.h"

namespace gh::admin {

namespace {

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;

}  // namespace

Json request_json(const review::Request& r) {
  Json j = Json::object();
  j["id"] = r.id;
  j["kind"] = std::string(review::to_string(r.kind));
  j["state"] = std::string(review::to_string(r.state));
  j["session"] = r.session_id;
  j["principal"] = r.principal;
  j["connection"] = r.connection;
  if (r.kind == review::Kind::kGrant) {
    j["role"] = r.role;
    j["duration_s"] = r.duration_s;
    if (r.grant_expires_ns != 0) j["grant_expires_ns"] = r.grant_expires_ns;
    j["reason_given"] = r.facts;
  } else {
    j["sql"] = r.sql;
    j["facts"] = r.facts;
  }
  if (!r.edited_sql.empty()) j["edited_sql"] = r.edited_sql;
  if (!r.params_json.empty()) j["params"] = r.params_json;
  j["rules"] = r.rules;
  j["approver_groups"] = r.approver_groups;
  j["min_approvals"] = r.min_approvals;
  j["created_ns"] = r.created_ns;
  j["expires_ns"] = r.expires_ns;
  Json approvals = Json::array();
  for (const review::Approval& a : r.approvals)
    approvals.push_back({{"approver", a.approver}, {"at_ns", a.at_ns}, {"reason", a.reason}});
  j["approvals"] = std::move(approvals);
  if (r.state != review::State::kPending) {
    j["decided_by"] = r.decided_by;
    j["reason"] = r.reason;
    j["decided_ns"] = r.decided_ns;
  }
  if (r.used_ns != 0) j["used_ns"] = r.used_ns;
  return j;
}

int refusal_status(review::Refusal r) {
  switch (r) {
    case review::Refusal::kNotFound:
      return 404;
    case review::Refusal::kNotPending:
    case review::Refusal::kAlreadyApproved:
      return 409;
    case review::Refusal::kSelfReview:
    case review::Refusal::kNotAnApprover:
      return 403;
    case review::Refusal::kEditRefused:
      return 422;
  }
  return 400;
}


HttpResponse Router::list_reviews(const HttpRequest& req) const {
  if (deps_.reviews == nullptr) return json_error(503, "unavailable", "reviews are not enabled");
  for (const auto& [k, v] : req.params)
    if (k != "state" && k != "limit" && k != "kind")
      return json_error(400, "invalid_argument", "unknown query parameter '" + k + "'");
  std::optional<review::State> state;
  if (const std::string* s = req.param("state")) {
    for (auto st : review::kAllStates)
      if (*s == review::to_string(st)) state = st;
    if (!state)
      return json_error(400, "invalid_argument",
                        "state: expected pending, approved, denied, expired, cancelled or revoked");
  }
  std::optional<review::Kind> kind;
  if (const std::string* k = req.param("kind")) {
    if (*k == "grant") kind = review::Kind::kGrant;
    else if (*k == "statement") kind = review::Kind::kStatement;
    else return json_error(400, "invalid_argument", "kind: expected statement or grant");
  }
  size_t limit = kDefaultLimit;
  if (const std::string* l = req.param("limit")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 1 || v > kMaxLimit)
      return json_error(400, "invalid_argument", "limit: expected 1 to 1000");
    limit = v;
  }
  deps_.reviews->expire(deps_.now_s() * 1'000'000'000);
  Json out = Json::object();
  Json list = Json::array();
  for (const review::Request& r : deps_.reviews->list(state, limit, kind))
    list.push_back(request_json(r));
  out["reviews"] = std::move(list);
  HttpResponse resp;
  resp.body = out.dump() + "\n";
  return resp;
}

HttpResponse Router::get_review(std::string_view id) const {
  if (deps_.reviews == nullptr) return json_error(503, "unavailable", "reviews are not enabled");
  deps_.reviews->expire(deps_.now_s() * 1'000'000'000);
  auto r = deps_.reviews->get(std::string(id));
  if (!r) return json_error(404, "not_found", "no review request " + std::string(id));
  HttpResponse resp;
  resp.body = request_json(*r).dump() + "\n";
  return resp;
}

HttpResponse Router::decide_review(std::string_view id, bool approve, const HttpRequest& req,
                                   const identity::Principal& who) const {
  if (deps_.reviews == nullptr) return json_error(503, "unavailable", "reviews are not enabled");
  std::string reason, sql;
  if (!req.body.empty()) {
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return json_error(400, "invalid_argument", "the body must be a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() != "reason" && it.key() != "sql")
        return json_error(400, "invalid_argument", "unknown field '" + it.key() + "'");
      if (!it.value().is_string())
        return json_error(400, "invalid_argument", it.key() + ": expected a string");
    }
    if (body.contains("reason")) reason = body["reason"].get<std::string>();
    if (body.contains("sql")) sql = body["sql"].get<std::string>();
  }
  if (!approve && reason.empty())
    return json_error(400, "invalid_argument", "a denial needs a reason");
  if (!approve && !sql.empty())
    return json_error(400, "invalid_argument", "only an approval can edit the statement");
  const int64_t now_ns = deps_.now_s() * 1'000'000'000;
  deps_.reviews->expire(now_ns);
  review::Reviewer reviewer{who.subject, who.groups, true};
  review::Outcome o =
      approve ? deps_.reviews->approve(std::string(id), reviewer, reason, std::move(sql),
                                       deps_.check_edit, now_ns)
              : deps_.reviews->deny(std::string(id), reviewer, reason, now_ns);
  if (!o.ok())
    return json_error(refusal_status(*o.refused), review::to_string(*o.refused), o.message);
  HttpResponse resp;
  resp.body = request_json(o.request).dump() + "\n";
  return resp;
}

}  // namespace gh::admin
