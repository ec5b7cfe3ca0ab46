#pragma once

// Review requests: a statement the guardrails sent to `review` waits for designated humans.
// The book holds each request's life, decides who may act on it, and tells whoever waits on
// it (the held session) once it is decided. No sockets, no store: the session creates
// requests, the admin API and the CLI approve or deny them, a ticker expires them.
//
//   ReviewBook book;
//   const Request& r = book.create(std::move(req), now);         // state pending
//   book.watch(r.id, [](const Request& done) { ... });          // called once, when decided
//   auto ok = book.approve(r.id, reviewer, "looks fine", {}, now);   // or deny / cancel
//   book.expire(now);                                           // past expires_ns: denied
//
// Rules (the SOC 2 part):
//   - a reviewer must hold the approver role and be in one of the request's approver groups
//     (none listed: any approver);
//   - nobody approves or denies their own request;
//   - min_approvals counts distinct approvers; the same approver twice is refused;
//   - any deny ends the request; so do expiry and cancellation (client gone);
//   - an approver may edit the SQL: the edit is checked by the caller's `check_edit` (analyzed
//     and judged again; it must not need review itself) and both texts are kept.
// Every call is thread-safe (admin threads and io threads share the book).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gh::review {

// kRevoked: an approved access grant taken back before it ran out.
enum class State : uint8_t { kPending, kApproved, kDenied, kExpired, kCancelled, kRevoked };
std::string_view to_string(State s);
inline constexpr State kAllStates[] = {State::kPending, State::kApproved, State::kDenied,
                                       State::kExpired, State::kCancelled, State::kRevoked};

// A review request is for one statement, or for time-boxed access: the principal may open a
// connection as a role for a while (just-in-time access).
enum class Kind : uint8_t { kStatement, kGrant };
std::string_view to_string(Kind k);

struct Approval {
  std::string approver;  // subject
  int64_t at_ns = 0;
  std::string reason;
};

struct Request {
  std::string id;  // "rv_" (statement) or "gr_" (grant) + 20 hex digits, unguessable
  Kind kind = Kind::kStatement;
  std::string session_id;
  std::string principal;  // the requester's subject (API key name or token subject)
  std::vector<std::string> principal_groups;  // the requester's groups, to judge an edit by
  std::string connection;
  std::string sql;                           // a grant: empty
  std::string params_json;                   // bound parameters, as recorded
  bool simple_protocol = true;               // a Query (an edit can replace its text)
  bool held = false;  // review.mode hold: a session holds the statement until it is decided
  std::string facts;                         // a summary of what the statement does
  std::vector<std::string> rules;            // the review rules that matched
  std::vector<std::string> approver_groups;  // empty: any approver
  int min_approvals = 1;
  int64_t created_ns = 0;
  int64_t expires_ns = 0;

  State state = State::kPending;
  std::vector<Approval> approvals;
  std::string decided_by;  // the denier, or the approver whose approval completed it
  std::string reason;      // the deny reason, or "expired" / "cancelled: ..."
  int64_t decided_ns = 0;
  std::string edited_sql;  // set when an approver edited the statement

  // Ticket mode: what identifies "the same statement again" (principal, text, parameters),
  // and when the approval was used (it lets the statement through once).
  std::string ticket_key;
  int64_t used_ns = 0;

  // A grant: the role asked for ("" = the connection's own login), for how long once
  // approved, and why; approved, it lets the principal in until grant_expires_ns.
  std::string role;
  int64_t duration_s = 0;
  int64_t grant_expires_ns = 0;

  uint64_t version = 0;  // counts the changes, from 1 at creation (the store keeps the newest)
};

// Who acts on a request.
struct Reviewer {
  std::string subject;
  std::vector<std::string> groups;
  bool approver = false;  // holds the approver (or admin) role
};

// Why an action was refused; maps to an HTTP status in the admin API.
enum class Refusal : uint8_t {
  kNotFound,          // 404
  kNotPending,        // 409: decided already
  kSelfReview,        // 403: your own request
  kNotAnApprover,     // 403: no approver role, or not in the rule's approver groups
  kAlreadyApproved,   // 409: this approver approved already
  kEditRefused,       // 422: the edited SQL is refused or needs review itself
};
std::string_view to_string(Refusal r);

struct Outcome {
  std::optional<Refusal> refused;
  std::string message;  // why, for the caller's error body
  Request request;      // the request after the action (when not refused)

  bool ok() const { return !refused.has_value(); }
};

class ReviewBook {
 public:
  using Watcher = std::function<void(const Request&)>;
  // Every change, for the audit log: "requested", "approval" (one of several needed),
  // "decided" or "used", with the request after it. Called outside the book's lock, on the thread that made the change.
  using Journal = std::function<void(std::string_view event, const Request&)>;
  void set_journal(Journal j) { journal_ = std::move(j); }
  // Returns a refusal message, or "" if the edited SQL may run in place of request's statement.
  using EditCheck = std::function<std::string(const Request& request, std::string_view sql)>;

  // Files a new pending request (its id is generated here); returns a copy.
  Request create(Request r, int64_t now_ns);
  // Puts back a request loaded from the state store, as it was (no journal entry).
  void restore(Request r);
  // `fn` is called once, on the thread that decides the request, right after it is decided
  // (at once if it is decided already). Keep it short: post to your own executor.
  void watch(const std::string& id, Watcher fn);

  Outcome approve(const std::string& id, const Reviewer& who, std::string reason,
                  std::string edited_sql, const EditCheck& check_edit, int64_t now_ns);
  Outcome deny(const std::string& id, const Reviewer& who, std::string reason, int64_t now_ns);
  // The client went away (or the session ended): the request is moot.
  Outcome cancel(const std::string& id, std::string why, int64_t now_ns);
  // Takes back an approved grant that has not run out yet (state revoked). Same rules as deny
  // for who may (any approver of the request; not the grantee).
  Outcome revoke(const std::string& id, const Reviewer& who, std::string reason, int64_t now_ns);
  // The approved, unexpired grant that lets `principal` open `connection` (the newest if
  // several); its use is journalled ("used"). nullopt if none.
  std::optional<Request> use_grant(std::string_view principal, std::string_view connection,
                                   int64_t now_ns);

  // Denies every pending request past its expiry (state expired); returns how many. Also
  // forgets requests decided more than kKeepDecidedNs ago (the audit log keeps them).
  size_t expire(int64_t now_ns);
  static constexpr int64_t kKeepDecidedNs = int64_t{3600} * 1'000'000'000;

  // Ticket mode: the newest request filed for `key` that is still pending, or decided within
  // `ttl_ns` and not answered to its requester yet; nullopt if none. A decided one is marked
  // used: an approval lets the statement through once, a denial is told once.
  std::optional<Request> take_ticket(const std::string& key, int64_t ttl_ns, int64_t now_ns);

  std::optional<Request> get(const std::string& id) const;
  // Newest first; `state` and `kind` filter when set.
  std::vector<Request> list(std::optional<State> state, size_t limit,
                            std::optional<Kind> kind = std::nullopt) const;
  size_t pending() const;

 private:
  Outcome refuse(Refusal r, std::string message) const;
  // The pending request `who` may decide (under the lock), or null with `refused` set.
  Request* reviewable(const std::string& id, const Reviewer& who, std::string_view verb,
                      Outcome& refused);
  // Marks `r` decided and collects its watchers; call them after unlocking.
  std::vector<Watcher> decide(Request& r, State s, std::string by, std::string reason,
                              int64_t now_ns);
  static bool may_review(const Request& r, const Reviewer& who, std::string& why);
  // Records a use of `r` (under `lock`, which it releases) and journals it; returns a copy.
  Request mark_used(Request& r, std::unique_lock<std::mutex>& lock, int64_t now_ns);

  mutable std::mutex mu_;
  std::map<std::string, Request> requests_;
  std::multimap<std::string, Watcher> watchers_;
  Journal journal_;  // set before use, never changed while the book is shared
};

}  // namespace gh::review
