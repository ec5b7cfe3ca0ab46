// The request tracker's refusals: a statement the hooks refuse is answered in the backend's
// place, either by a server-side DO ... RAISE sent instead of it (inject_refusal) or by an
// ErrorResponse the gateway queues in order with the backend's answers (queue_refusal,
// take_due_responses).

#include <chrono>

#include "pg/protocol/builders.h"
#include "pg/session/request_tracker.h"

namespace gh::pg {

void RequestTracker::inject_refusal(uint64_t id, const Verdict& v, Protocol p, int64_t now_ns) {
  // DO ... RAISE: the server's ErrorResponse then carries the refusal's SQLSTATE and
  // message. The message goes into an E'' literal (independent of
  // standard_conforming_strings) inside a dollar quote it cannot close.
  constexpr std::string_view kTag = "$gatehouse$";
  std::string msg;
  for (char c : v.message) {
    if (c == '\\' || c == '\'') msg.push_back(c);
    msg.push_back(c);
    if (msg.ends_with(kTag)) msg.insert(msg.size() - 1, " ");
  }
  const char* code = v.sqlstate != nullptr ? v.sqlstate : "42501";
  std::string sql = "DO $gatehouse$BEGIN RAISE EXCEPTION USING ERRCODE = '";
  sql.append(code).append("', MESSAGE = E'").append(msg).append("'; END$gatehouse$");
  replacement_.clear();
  build_query(replacement_, sql);
  queue_.push(PendingRequest::of(
      p == Protocol::kSimple ? RequestKind::kQuery : RequestKind::kInjectedQuery, id, now_ns));
  rows_ = bytes_ = 0;
}

void RequestTracker::queue_refusal(uint64_t id, const Verdict& v, bool with_ready, int64_t now_ns) {
  uint32_t slot;
  if (!free_synthetic_.empty()) {
    slot = free_synthetic_.back();
    free_synthetic_.pop_back();
  } else {
    slot = static_cast<uint32_t>(synthetic_.size());
    synthetic_.emplace_back();
  }
  SyntheticResponse& r = synthetic_[slot];
  r.bytes.clear();
  build_error(r.bytes, "ERROR", v.sqlstate != nullptr ? v.sqlstate : "42501", v.message);
  r.ready_for_query = with_ready;
  PendingRequest req = PendingRequest::of(RequestKind::kSynthetic, id, now_ns, slot);
  queue_.push(std::move(req));
  if (hooks_ != nullptr && id != 0) {  // id 0: a refused message that is no statement
    ResultSummary sum;
    sum.sqlstate = v.sqlstate != nullptr ? v.sqlstate : "42501";
    sum.error_message = v.message;
    hooks_->on_result(id, sum);
    hooks_->on_end(id, std::chrono::nanoseconds(0), false);
  }
}

bool RequestTracker::take_due_responses(std::string& out) {
  bool any = false;
  while (!queue_.empty() && queue_.front().kind == RequestKind::kSynthetic) {
    RequestCore req = queue_.front().core();
    pop_front();
    SyntheticResponse& r = synthetic_[req.synthetic];
    out += r.bytes;
    if (r.ready_for_query) build_ready_for_query(out, tx_status_);
    free_synthetic_.push_back(req.synthetic);
    any = true;
  }
  return any;
}

}  // namespace gh::pg
