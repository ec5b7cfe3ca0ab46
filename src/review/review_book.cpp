#include "review/review_book.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"

namespace gh::review {

std::string_view to_string(State s) {
  switch (s) {
    case State::kPending:
      return "pending";
    case State::kApproved:
      return "approved";
    case State::kDenied:
      return "denied";
    case State::kExpired:
      return "expired";
    case State::kCancelled:
      return "cancelled";
    case State::kRevoked:
      return "revoked";
  }
  return "unknown";
}

std::string_view to_string(Kind k) { return k == Kind::kGrant ? "grant" : "statement"; }

std::string_view to_string(Refusal r) {
  switch (r) {
    case Refusal::kNotFound:
      return "not_found";
    case Refusal::kNotPending:
      return "not_pending";
    case Refusal::kSelfReview:
      return "self_review";
    case Refusal::kNotAnApprover:
      return "not_an_approver";
    case Refusal::kAlreadyApproved:
      return "already_approved";
    case Refusal::kEditRefused:
      return "edit_refused";
  }
  return "unknown";
}

Request ReviewBook::create(Request r, int64_t now_ns) {
  std::array<uint8_t, 10> id{};
  crypto::random_bytes(id);
  r.id = (r.kind == Kind::kGrant ? "gr_" : "rv_") + crypto::to_hex(id);
  r.created_ns = now_ns;
  r.state = State::kPending;
  r.min_approvals = std::max(1, r.min_approvals);
  r.version = 1;
  Request copy;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = requests_.emplace(r.id, std::move(r));
    copy = it->second;
  }
  if (journal_) journal_("requested", copy);
  return copy;
}

void ReviewBook::restore(Request r) {
  std::lock_guard lock(mu_);
  std::string id = r.id;
  requests_.insert_or_assign(std::move(id), std::move(r));
}

void ReviewBook::watch(const std::string& id, Watcher fn) {
  std::unique_lock lock(mu_);
  auto it = requests_.find(id);
  if (it != requests_.end() && it->second.state == State::kPending) {
    watchers_.emplace(id, std::move(fn));
    return;
  }
  // Decided already (or unknown): tell at once.
  Request r = it != requests_.end() ? it->second : Request{};
  if (it == requests_.end()) {
    r.id = id;
    r.state = State::kCancelled;
    r.reason = "no such review request";
  }
  lock.unlock();
  fn(r);
}

Outcome ReviewBook::refuse(Refusal r, std::string message) const {
  Outcome o;
  o.refused = r;
  o.message = std::move(message);
  return o;
}

bool ReviewBook::may_review(const Request& r, const Reviewer& who, std::string& why) {
  if (!who.approver) {
    why = "reviewing requires the approver role";
    return false;
  }
  if (r.approver_groups.empty()) return true;
  for (const std::string& g : who.groups)
    if (std::find(r.approver_groups.begin(), r.approver_groups.end(), g) != r.approver_groups.end())
      return true;
  why = "this request needs an approver in one of the groups:";
  for (const std::string& g : r.approver_groups) why += " " + g;
  return false;
}

std::vector<ReviewBook::Watcher> ReviewBook::decide(Request& r, State s, std::string by,
                                                    std::string reason, int64_t now_ns) {
  r.state = s;
  ++r.version;
  r.decided_by = std::move(by);
  r.reason = std::move(reason);
  r.decided_ns = now_ns;
  std::vector<Watcher> out;
  auto [b, e] = watchers_.equal_range(r.id);
  for (auto it = b; it != e; ++it) out.push_back(std::move(it->second));
  watchers_.erase(b, e);
  return out;
}

Request* ReviewBook::reviewable(const std::string& id, const Reviewer& who, std::string_view verb,
                                Outcome& refused) {
  auto it = requests_.find(id);
  if (it == requests_.end()) {
    refused = refuse(Refusal::kNotFound, "no review request " + id);
    return nullptr;
  }
  Request& r = it->second;
  std::string why;
  if (r.state != State::kPending) {
    refused = refuse(Refusal::kNotPending, "the request is " + std::string(to_string(r.state)));
  } else if (who.subject == r.principal) {
    refused = refuse(Refusal::kSelfReview, "nobody may " + std::string(verb) + " their own request");
  } else if (!may_review(r, who, why)) {
    refused = refuse(Refusal::kNotAnApprover, why);
  } else {
    return &r;
  }
  return nullptr;
}

Outcome ReviewBook::approve(const std::string& id, const Reviewer& who, std::string reason,
                            std::string edited_sql, const EditCheck& check_edit,
                            int64_t now_ns) {
  std::vector<Watcher> notify;
  Outcome o;
  {
    std::lock_guard lock(mu_);
    Request* r = reviewable(id, who, "approve", o);
    if (r == nullptr) return o;
    for (const Approval& a : r->approvals)
      if (a.approver == who.subject)
        return refuse(Refusal::kAlreadyApproved, who.subject + " approved this request already");
    if (edited_sql == r->sql) edited_sql.clear();  // no edit after all
    if (!edited_sql.empty() && r->kind == Kind::kGrant)
      return refuse(Refusal::kEditRefused, "an access grant has no statement to edit");
    if (!edited_sql.empty()) {
      std::string refused =
          check_edit ? check_edit(*r, edited_sql) : "edits cannot be checked here";
      if (!refused.empty()) return refuse(Refusal::kEditRefused, "the edited SQL: " + refused);
      r->edited_sql = std::move(edited_sql);
    }
    r->approvals.push_back(Approval{who.subject, now_ns, reason});
    ++r->version;
    if (static_cast<int>(r->approvals.size()) >= r->min_approvals) {
      notify = decide(*r, State::kApproved, who.subject, std::move(reason), now_ns);
      if (r->kind == Kind::kGrant) r->grant_expires_ns = now_ns + r->duration_s * 1'000'000'000;
    }
    o.request = *r;
  }
  if (journal_) journal_(o.request.state != State::kPending ? "decided" : "approval", o.request);
  for (auto& fn : notify) fn(o.request);
  return o;
}

Outcome ReviewBook::deny(const std::string& id, const Reviewer& who, std::string reason,
                         int64_t now_ns) {
  std::vector<Watcher> notify;
  Outcome o;
  {
    std::lock_guard lock(mu_);
    Request* r = reviewable(id, who, "deny", o);
    if (r == nullptr) return o;
    notify = decide(*r, State::kDenied, who.subject, std::move(reason), now_ns);
    o.request = *r;
  }
  if (journal_) journal_("decided", o.request);
  for (auto& fn : notify) fn(o.request);
  return o;
}

Outcome ReviewBook::revoke(const std::string& id, const Reviewer& who, std::string reason,
                           int64_t now_ns) {
  Outcome o;
  {
    std::lock_guard lock(mu_);
    auto it = requests_.find(id);
    if (it == requests_.end() || it->second.kind != Kind::kGrant)
      return refuse(Refusal::kNotFound, "no access grant " + id);
    Request& r = it->second;
    std::string why;
    if (r.state != State::kApproved || now_ns >= r.grant_expires_ns)
      return refuse(Refusal::kNotPending, "the grant is not in force (" +
                                              std::string(to_string(r.state)) + ")");
    if (who.subject == r.principal)
      return refuse(Refusal::kSelfReview, "nobody may revoke their own grant");
    if (!may_review(r, who, why)) return refuse(Refusal::kNotAnApprover, why);
    decide(r, State::kRevoked, who.subject, std::move(reason), now_ns);
    o.request = r;
  }
  if (journal_) journal_("decided", o.request);
  return o;
}

std::optional<Request> ReviewBook::use_grant(std::string_view principal,
                                             std::string_view connection, int64_t now_ns) {
  std::unique_lock lock(mu_);
  Request* best = nullptr;
  for (auto& [id, r] : requests_) {
    if (r.kind != Kind::kGrant || r.state != State::kApproved || r.principal != principal ||
        r.connection != connection || now_ns >= r.grant_expires_ns)
      continue;
    if (best == nullptr || r.decided_ns > best->decided_ns) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  return mark_used(*best, lock, now_ns);
}

Request ReviewBook::mark_used(Request& r, std::unique_lock<std::mutex>& lock, int64_t now_ns) {
  r.used_ns = now_ns;
  ++r.version;
  Request used = r;
  lock.unlock();
  if (journal_) journal_("used", used);
  return used;
}

Outcome ReviewBook::cancel(const std::string& id, std::string why, int64_t now_ns) {
  std::vector<Watcher> notify;
  Outcome o;
  {
    std::lock_guard lock(mu_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return refuse(Refusal::kNotFound, "no review request " + id);
    Request& r = it->second;
    if (r.state != State::kPending)
      return refuse(Refusal::kNotPending, "the request is " + std::string(to_string(r.state)));
    notify = decide(r, State::kCancelled, {}, "cancelled: " + why, now_ns);
    o.request = r;
  }
  if (journal_) journal_("decided", o.request);
  for (auto& fn : notify) fn(o.request);
  return o;
}

size_t ReviewBook::expire(int64_t now_ns) {
  std::vector<std::pair<Request, std::vector<Watcher>>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = requests_.begin(); it != requests_.end();) {
      Request& r = it->second;
      if (r.state == State::kPending && r.expires_ns != 0 && now_ns >= r.expires_ns) {
        auto w = decide(r, State::kExpired, {}, "expired before enough approvals", now_ns);
        expired.emplace_back(r, std::move(w));
      } else if (r.state != State::kPending &&
                 now_ns - std::max(r.decided_ns, r.grant_expires_ns) > kKeepDecidedNs) {
        it = requests_.erase(it);
        continue;
      }
      ++it;
    }
  }
  for (auto& [r, fns] : expired) {
    if (journal_) journal_("decided", r);
    for (auto& fn : fns) fn(r);
  }
  return expired.size();
}

std::optional<Request> ReviewBook::take_ticket(const std::string& key, int64_t ttl_ns,
                                               int64_t now_ns) {
  std::unique_lock lock(mu_);
  Request* best = nullptr;
  for (auto& [id, r] : requests_) {
    if (r.ticket_key != key) continue;
    const bool usable = r.state == State::kPending ||
                        (r.used_ns == 0 && now_ns - r.decided_ns <= ttl_ns);
    if (usable && (best == nullptr || r.created_ns > best->created_ns)) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  if (best->state == State::kPending) return *best;
  return mark_used(*best, lock, now_ns);
}

std::optional<Request> ReviewBook::get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return std::nullopt;
  return it->second;
}

std::vector<Request> ReviewBook::list(std::optional<State> state, size_t limit,
                                      std::optional<Kind> kind) const {
  std::vector<Request> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, r] : requests_)
      if ((!state || r.state == *state) && (!kind || r.kind == *kind)) out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const Request& a, const Request& b) { return a.created_ns > b.created_ns; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

size_t ReviewBook::pending() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, r] : requests_) n += r.state == State::kPending;
  return n;
}

}  // namespace gh::review
