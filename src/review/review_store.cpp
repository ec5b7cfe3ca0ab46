#include "review/review_store.h"

#include <simdjson.h>

#include <algorithm>

#include "common/json_writer.h"

namespace gh::review {

namespace {

void strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.key(key).begin_array();
  for (const auto& s : v) w.value(s);
  w.end_array();
}

std::optional<State> state_of(std::string_view name) {
  for (State s : kAllStates)
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool get(simdjson::dom::object o, std::string_view key, std::string& out) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return false;
  out.assign(v);
  return true;
}

bool get(simdjson::dom::object o, std::string_view key, int64_t& out) {
  return o[key].get_int64().get(out) == simdjson::SUCCESS;
}

bool get(simdjson::dom::object o, std::string_view key, std::vector<std::string>& out) {
  simdjson::dom::array a;
  if (o[key].get_array().get(a) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element e : a) {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return false;
    out.emplace_back(v);
  }
  return true;
}

}  // namespace

std::string to_json(const Request& r, bool with_ticket_key) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("id", r.id)
      .field("kind", to_string(r.kind))
      .field("state", to_string(r.state))
      .field("session", r.session_id)
      .field("principal", r.principal);
  strings(w, "principal_groups", r.principal_groups);
  w.field("connection", r.connection).field("sql", r.sql);
  if (!r.params_json.empty()) w.key("params").raw(r.params_json);
  w.field("simple_protocol", r.simple_protocol)
      .field("held", r.held)
      .field("facts", r.facts);
  strings(w, "rules", r.rules);
  strings(w, "approver_groups", r.approver_groups);
  w.field("min_approvals", r.min_approvals)
      .field("created_ns", r.created_ns)
      .field("expires_ns", r.expires_ns);
  w.key("approvals").begin_array();
  for (const Approval& a : r.approvals)
    w.begin_object()
        .field("approver", a.approver)
        .field("at_ns", a.at_ns)
        .field("reason", a.reason)
        .end_object();
  w.end_array();
  w.field("decided_by", r.decided_by)
      .field("reason", r.reason)
      .field("decided_ns", r.decided_ns)
      .field("edited_sql", r.edited_sql)
      .field("used_ns", r.used_ns)
      .field("role", r.role)
      .field("duration_s", r.duration_s)
      .field("grant_expires_ns", r.grant_expires_ns);
  if (with_ticket_key) w.field("ticket_key", r.ticket_key);
  w.end_object();
  return out;
}

store::StoredReview to_stored(const Request& r) {
  store::StoredReview s;
  s.id = r.id;
  s.version = r.version;
  s.state = std::string(to_string(r.state));
  s.created_ns = r.created_ns;
  s.updated_ns = r.decided_ns != 0 ? std::max({r.decided_ns, r.used_ns, r.grant_expires_ns})
                                   : r.created_ns;
  for (const Approval& a : r.approvals) s.updated_ns = std::max(s.updated_ns, a.at_ns);
  s.body = to_json(r, /*with_ticket_key=*/true);
  return s;
}

std::optional<Request> from_stored(const store::StoredReview& s) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(s.body).get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  Request r;
  std::string state, kind;
  int64_t min_approvals = 1;
  bool simple = true;
  simdjson::dom::array approvals;
  bool ok = get(o, "id", r.id) && get(o, "kind", kind) && get(o, "state", state) && get(o, "session", r.session_id) &&
            get(o, "principal", r.principal) && get(o, "principal_groups", r.principal_groups) &&
            get(o, "connection", r.connection) && get(o, "sql", r.sql) &&
            o["simple_protocol"].get_bool().get(simple) == simdjson::SUCCESS &&
            o["held"].get_bool().get(r.held) == simdjson::SUCCESS &&
            get(o, "facts", r.facts) && get(o, "rules", r.rules) &&
            get(o, "approver_groups", r.approver_groups) &&
            get(o, "min_approvals", min_approvals) && get(o, "created_ns", r.created_ns) &&
            get(o, "expires_ns", r.expires_ns) &&
            o["approvals"].get_array().get(approvals) == simdjson::SUCCESS &&
            get(o, "decided_by", r.decided_by) && get(o, "reason", r.reason) &&
            get(o, "decided_ns", r.decided_ns) && get(o, "edited_sql", r.edited_sql) &&
            get(o, "ticket_key", r.ticket_key) && get(o, "used_ns", r.used_ns) &&
            get(o, "role", r.role) && get(o, "duration_s", r.duration_s) &&
            get(o, "grant_expires_ns", r.grant_expires_ns);
  if (kind != "statement" && kind != "grant") return std::nullopt;
  r.kind = kind == "grant" ? Kind::kGrant : Kind::kStatement;
  auto st = state_of(state);
  if (!ok || !st || r.id != s.id || min_approvals < 1 || min_approvals > 10) return std::nullopt;
  r.state = *st;
  r.simple_protocol = simple;
  simdjson::dom::array params;
  if (o["params"].get_array().get(params) == simdjson::SUCCESS)
    r.params_json = simdjson::to_string(params);
  r.min_approvals = static_cast<int>(min_approvals);
  r.version = s.version;
  for (simdjson::dom::element e : approvals) {
    simdjson::dom::object a;
    Approval ap;
    if (e.get_object().get(a) != simdjson::SUCCESS || !get(a, "approver", ap.approver) ||
        !get(a, "at_ns", ap.at_ns) || !get(a, "reason", ap.reason))
      return std::nullopt;
    r.approvals.push_back(std::move(ap));
  }
  return r;
}

Result<size_t> restore_reviews(store::StateStore& store, ReviewBook& book, int64_t now_ns) {
  auto rows = store.load_reviews(now_ns - ReviewBook::kKeepDecidedNs);
  if (!rows.ok()) return rows.status();
  size_t n = 0;
  for (const store::StoredReview& s : rows.value()) {
    std::optional<Request> r = from_stored(s);
    if (!r) return Status::Corruption("review request " + s.id + " in the state store is unreadable");
    const bool orphan = r->state == State::kPending && r->held;
    const std::string id = r->id;
    book.restore(std::move(*r));
    if (orphan) book.cancel(id, "gatehouse restarted while the statement was held", now_ns);
    ++n;
  }
  return n;
}

}  // namespace gh::review
