#pragma once

// The admin API without sockets: a request in, a status and a JSON body out. The HTTP
// server (server.h) calls handle() from its worker threads; tests call it directly.
//
//   GET /healthz                 no auth   200 {"status":"ok"}
//   GET /readyz                  no auth   200, or 503 with the reason
//   GET /metrics                 no auth   Prometheus text format 0.0.4
//   GET /api/v1/sessions         admin, auditor   ?limit=N (1..1000, default 100)
//   GET /api/v1/sessions/{id}    admin, auditor
//   GET /api/v1/policy           admin, auditor   guardrail rules in force + config hash
//   GET /api/v1/reviews          admin, approver, auditor   ?state=pending&limit=N
//   GET /api/v1/reviews/{id}     admin, approver, auditor
//   POST /api/v1/reviews/{id}/approve   admin, approver   {"reason": "...", "sql": "edited"}
//   POST /api/v1/reviews/{id}/deny      admin, approver   {"reason": "..."} (required)
//   GET /api/v1/grants           admin, approver, auditor   ?state=&limit= (grant requests)
//   POST /api/v1/grants          any principal   {"connection", "role", "duration", "reason"}
//                                -> 201, a grant request approvers decide like a review
//   POST /api/v1/grants/{id}/revoke   admin, approver   {"reason": "..."} (required)
//   GET /api/v1/evidence         admin, auditor   ?since=T&until=T: the evidence bundle for the
//                                period as a tar archive (application/x-tar)
//
// Every /api/ request needs `Authorization: Bearer <token>` (see bearer_auth.h) and is
// authenticated before anything else is looked at, so an unauthenticated caller learns
// nothing about which paths exist. Errors are {"error": {"code", "message"}}: 400
// invalid_argument, 401 unauthenticated, 403 forbidden, 404 not_found, 405
// method_not_allowed (with Allow), 500 internal, 503 unavailable / not_ready /
// audit_unavailable. Each /api/ request is recorded (RouterDeps::record_request).

#include "review/review_book.h"
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "admin/bearer_auth.h"
#include "admin/http_message.h"
#include "admin/metrics.h"
#include "admin/roles.h"
#include "config/config.h"
#include "identity/principal.h"
#include "policy/policy.h"
#include "store/state_store.h"

namespace gh::admin {

struct PolicyInForce {
  std::shared_ptr<const policy::Policy> policy;  // null: no guardrails loaded
  std::string config_hash;
};

struct RouterDeps {
  config::AdminRoles roles;
  const BearerAuthenticator* auth = nullptr;  // null: every /api/ request is refused
  store::StateStore* store = nullptr;         // null: the sessions endpoints answer 503
  std::function<PolicyInForce()> policy;
  std::function<std::string()> readiness;  // "" when ready, else why not
  MetricsSources metrics;                  // its `admin` is filled in by the router
  std::function<int64_t()> now_s;          // unix seconds; default: the system clock
  review::ReviewBook* reviews = nullptr;   // null: the reviews endpoints answer 503
  review::ReviewBook::EditCheck check_edit;  // judges an approver's edit; null: edits refused
  // The evidence bundle for a period (`since`/`until` as the CLI takes them: RFC 3339, a date,
  // or a duration back from now) as a tar archive. Invalid: a bad period. Null: 503.
  std::function<Result<std::string>(const std::string& since, const std::string& until)> evidence;
  // Access grants: "" if `role` on `connection` can be granted, else why not. Null: 503.
  std::function<std::string(const std::string& connection, const std::string& role)> check_grant;
  // Records one /api/ request in the audit trail (an `admin.request` payload, JSON); false if
  // it could not be written. Null: requests are not recorded. A read (GET) is answered only
  // once its record is written (else 503 audit_unavailable); a change (POST) is taken only
  // while `readiness` says the audit streams can be written.
  std::function<bool(std::string payload)> record_request;
  struct Grants {
    std::chrono::seconds max_duration{8 * 3600};
    std::vector<std::string> approver_groups;  // empty: any approver
    std::chrono::seconds decide_within{15 * 60};  // a grant request expires undecided after this
  } grants;
};

class Router {
 public:
  explicit Router(RouterDeps deps);

  // Thread-safe; never throws (an internal failure is a 500 with a JSON error).
  HttpResponse handle(const HttpRequest& req);

  const AdminCounters& counters() const { return counters_; }

 private:
  // `who`: set to the caller once authenticated.
  HttpResponse route(const HttpRequest& req, std::optional<identity::Principal>& who);
  // The admin.request payload of a request and its answer.
  static std::string request_record(const HttpRequest& req, const identity::Principal* who,
                                    int status);
  // The principal, or the 401/503 answer to give.
  std::variant<identity::Principal, HttpResponse> authenticate(const HttpRequest& req);

  HttpResponse readyz() const;
  HttpResponse metrics() const;
  HttpResponse list_sessions(const HttpRequest& req) const;  // api_sessions.cpp
  HttpResponse get_session(std::string_view id) const;       // api_sessions.cpp
  HttpResponse get_policy() const;                           // api_policy.cpp
  HttpResponse list_reviews(const HttpRequest& req) const;   // api_reviews.cpp
  HttpResponse get_review(std::string_view id) const;        // api_reviews.cpp
  HttpResponse decide_review(std::string_view id, bool approve, const HttpRequest& req,
                             const identity::Principal& who) const;
  HttpResponse list_grants(const HttpRequest& req) const;  // api_grants.cpp
  HttpResponse request_grant(const HttpRequest& req,
                             const identity::Principal& who) const;  // api_grants.cpp
  HttpResponse revoke_grant(std::string_view id, const HttpRequest& req,
                            const identity::Principal& who) const;  // api_grants.cpp
  HttpResponse get_evidence(const HttpRequest& req,
                            const identity::Principal& who) const;  // api_evidence.cpp

  RouterDeps deps_;
  AdminCounters counters_;
};

}  // namespace gh::admin
