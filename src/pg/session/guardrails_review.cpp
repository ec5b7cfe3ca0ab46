// Review tickets: a statement the guardrails send to review is refused with the id of a
// review request; an approver approves it through the admin API; the same principal then
// sends the identical statement again (same text, same bound values) and it passes, once,
// within review.approval_ttl.

#include "common/clock.h"
#include "common/json_writer.h"
#include "pg/session/guardrails.h"

namespace gh::pg {

namespace {

// The bound values, as an approver needs to see them: text as is, binary as \x hex.
std::string params_json(const BindMessage* bind) {
  if (bind == nullptr) return {};
  std::vector<BindParam> params;
  if (!bind_params(*bind, params)) return {};
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  for (const BindParam& p : params) {
    if (p.is_null) {
      w.null();
    } else if (p.binary) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex = "\\x";
      for (unsigned char c : p.value) {
        hex.push_back(kHex[c >> 4]);
        hex.push_back(kHex[c & 15]);
      }
      w.value(hex);
    } else {
      w.value(p.value);
    }
  }
  w.end_array();
  return out;
}

// What the statement does, for the approver: per top-level statement its kind and the
// relations it reads and writes ("ddl writes public.orders; select reads items").
std::string facts_summary(const sql::AnalyzedSql& analyzed) {
  auto names = [](const std::vector<sql::QualifiedName>& list) {
    std::string out;
    for (const auto& n : list) out += (out.empty() ? "" : ", ") + n.text();
    return out;
  };
  std::string out;
  for (const sql::StatementFacts& f : analyzed.statements) {
    if (!out.empty()) out += "; ";
    out += sql::to_string(f.kind);
    if (!f.relations_read.empty()) out += " reads " + names(f.relations_read);
    if (!f.relations_written.empty()) out += " writes " + names(f.relations_written);
    if (f.kind == sql::StatementKind::kUpdate || f.kind == sql::StatementKind::kDelete)
      out += f.filter.has_where ? " with a WHERE" : " without WHERE";
  }
  return out;
}

std::string minutes(std::chrono::seconds s) {
  return s.count() % 60 == 0 ? std::to_string(s.count() / 60) + "m" : std::to_string(s.count()) + "s";
}

}  // namespace

Verdict Guardrails::ticket(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                           const policy::Decision& d, Verdict v) {
  const int64_t now = unix_now_ns();
  const int64_t ttl = std::chrono::nanoseconds(review_cfg_->approval_ttl).count();
  std::string key = principal_.subject;
  key.push_back('\0');
  key.append(connection_).push_back('\0');
  key.append(s.sql).push_back('\0');
  if (s.bind != nullptr) key.append(s.bind->formats).append(s.bind->params);
  reviews_->expire(now);
  std::string prefix = "statement requires approval (guardrail \"" + d.rule->name +
                       "\"): " + std::string(d.message()) + "; ";
  if (auto t = reviews_->take_ticket(key, ttl, now)) {
    switch (t->state) {
      case review::State::kApproved:
        return approved(s, analyzed, *t, std::move(v));
      case review::State::kPending:
        v.message = prefix + "review request " + t->id +
                    " is still waiting for an approver; send the same statement again once it "
                    "is approved";
        return v;
      case review::State::kDenied:
        v.message = prefix + "review request " + t->id + " was denied by " + t->decided_by +
                    ": " + t->reason;
        v.rules += (v.rules.empty() ? "" : ",") + std::string("review:") + t->id + ":denied";
        return v;
      case review::State::kExpired:
      case review::State::kCancelled:
        v.message = prefix + "review request " + t->id + " " +
                    std::string(review::to_string(t->state)) + " without approval";
        return v;
    }
  }
  review::Request r = file_review(s, analyzed, d, std::move(key), now);
  const std::string url =
      review_cfg_->url_of(r.id, admin_ != nullptr ? *admin_ : std::optional<config::AdminConfig>{});
  v.message = prefix + "review request " + r.id + " was filed for an approver (" +
              (url.empty() ? "" : "decide at " + url + "; ") + "admin API: POST /api/v1/reviews/" +
              r.id + "/approve); once it is approved, send the same statement again within " +
              minutes(review_cfg_->approval_ttl);
  v.rules += (v.rules.empty() ? "" : ",") + std::string("review:") + r.id + ":filed";
  return v;
}

review::Request Guardrails::file_review(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                                        const policy::Decision& d, std::string key, int64_t now,
                                        bool held) {
  review::Request r;
  r.session_id = session_id_;
  r.principal = principal_.subject;
  r.principal_groups = principal_.groups;
  r.simple_protocol = s.protocol == Protocol::kSimple;
  r.held = held;
  r.connection = connection_;
  r.sql.assign(s.sql);
  r.params_json = params_json(s.bind);
  r.facts = facts_summary(analyzed);
  for (const policy::RuleMatch& m : d.matched)
    if (m.rule->action == policy::Action::kReview) r.rules.push_back(m.rule->name);
  r.approver_groups = d.rule->approvers;
  r.min_approvals = d.rule->min_approvals;
  r.expires_ns = now + std::chrono::nanoseconds(review_cfg_->timeout).count();
  r.ticket_key = std::move(key);
  return reviews_->create(std::move(r), now);
}

Verdict Guardrails::hold(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                         const policy::Decision& d, Verdict v) {
  const int64_t now = unix_now_ns();
  if (held_id_.empty()) {
    // Filed under a key of its own: one request per held statement.
    std::string key = "hold\0" + session_id_ + '\0' + std::to_string(s.id) + '\0';
    key.append(s.sql);
    review::Request r = file_review(s, analyzed, d, std::move(key), now, /*held=*/true);
    held_id_ = r.id;
    Verdict h;
    h.hold_review = r.id;
    return h;
  }
  const std::string id = held_id_;
  std::optional<review::Request> r = reviews_->get(id);
  if (r && r->state == review::State::kPending) {
    Verdict h;
    h.hold_review = id;
    return h;
  }
  held_id_.clear();
  const std::string prefix = "statement requires approval (guardrail \"" + d.rule->name +
                             "\"): " + std::string(d.message()) + "; ";
  if (r && r->state == review::State::kApproved) {
    reviews_->take_ticket(r->ticket_key, INT64_MAX, now);  // recorded as used
    return approved(s, analyzed, *r, std::move(v));
  }
  if (!r) {
    v.message = prefix + "review request " + id + " is gone";
  } else {
    if (r->state != review::State::kCancelled) reviews_->take_ticket(r->ticket_key, INT64_MAX, now);
    v.message = prefix + "review request " + id + " was " +
                std::string(review::to_string(r->state)) +
                (r->decided_by.empty() ? "" : " by " + r->decided_by) +
                (r->reason.empty() ? "" : ": " + r->reason);
    v.rules += (v.rules.empty() ? "" : ",") + std::string("review:") + id + ":" +
               std::string(review::to_string(r->state));
  }
  return v;
}

Verdict Guardrails::approved(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                             const review::Request& r, Verdict v) {
  if (!r.edited_sql.empty()) {
    if (s.protocol != Protocol::kSimple) {
      // The admin API refuses such an edit; a request filed before a restart could still
      // carry one. Its parameters and result shape belong to the original: fail closed.
      v.message = "review request " + r.id + " was approved with an edited statement, which " +
                  "gatehouse can only run in place of a simple Query";
      return v;
    }
    edit_ = ApprovedEdit{r.id, r.decided_by, std::string(s.sql), r.edited_sql};
    Verdict instead;
    instead.run_sql = r.edited_sql;
    return instead;
  }
  Verdict ok;
  ok.estimate = std::move(v.estimate);
  ok.rules = std::move(v.rules);
  if (!ok.rules.empty()) ok.rules += ",";
  ok.rules += "review:" + r.id + ":approved-by:" + r.decided_by;
  if (!s.prejudged) prepared_.apply(analyzed.statements);
  return ok;
}

std::string check_review_edit(const PolicyHolder& holder, sql::Analyzer& analyzer,
                              const review::Request& r, std::string_view sql) {
  if (!r.simple_protocol)
    return "the statement was sent with the extended protocol (Parse/Bind/Execute), whose "
           "parameters and result shape belong to its text; approve or deny it as sent";
  const sql::AnalyzedSql& analyzed = analyzer.analyze(sql);
  if (!analyzed.parsed()) return "cannot be parsed: " + analyzed.statements.front().error.message;
  auto [policy, hash] = holder.current();
  if (policy == nullptr || policy->rules().empty()) return {};
  identity::Principal requester;
  requester.subject = r.principal;
  requester.groups = r.principal_groups;
  policy::Decision d = policy->decide(analyzed.statements, policy::Subject{&requester, r.connection});
  if (d.action == policy::Action::kBlock)
    return "blocked by guardrail \"" + d.rule->name + "\": " + std::string(d.message());
  if (d.action == policy::Action::kReview)
    return "it needs approval itself (guardrail \"" + d.rule->name + "\": " +
           std::string(d.message()) + ")";
  return {};
}

}  // namespace gh::pg
