// The EXPLAIN a hook's cost estimate needs: built and queued by the tracker, its responses
// read here and never forwarded (see RequestKind::kEstimate).

#include "pg/protocol/builders.h"
#include "pg/protocol/reader.h"
#include "pg/session/request_tracker.h"
#include "policy/plan_estimate.h"

namespace gh::pg {

// The gateway's own statement and portal for an extended-form EXPLAIN; the client's
// unnamed statement and portal are left alone.
constexpr std::string_view kEstimateName = "gatehouse_estimate";

void RequestTracker::request_estimates(const std::vector<std::string_view>& texts,
                                       const Prepared* prepared, const BindMessage* bind,
                                       int64_t now_ns) {
  replacement_.clear();
  estimates_.clear();
  estimates_expected_ = texts.size();
  estimate_json_.clear();
  estimate_sqlstate_.clear();
  estimate_error_.clear();
  estimate_closes_ = 0;
  PendingRequest req = PendingRequest::of(RequestKind::kEstimate, 0, now_ns);
  if (prepared == nullptr) {
    // Simple form: one Query, one EXPLAIN per statement. A newline ends a trailing -- comment.
    std::string sql;
    for (std::string_view text : texts) {
      sql.append("EXPLAIN (FORMAT JSON) ").append(text).append("\n;");
    }
    build_query(replacement_, sql);
    req.describe_kind = 'Q';
  } else {
    // Extended form, with the client's parameter types and bound values: no Sync, so the
    // client's implicit transaction is not ended; an error leaves the server discarding until
    // the client's own Sync, as the client's statement failing there would. A Flush makes the
    // server answer now (it also sends what it owed for the client's earlier messages).
    MessageWriter(replacement_, 'P')
        .cstr(kEstimateName)
        .cstr(std::string("EXPLAIN (FORMAT JSON) ").append(texts.front()))
        .u16(static_cast<uint16_t>(prepared->param_types.size() / 4))
        .bytes(prepared->param_types);
    {
      MessageWriter b(replacement_, 'B');
      b.cstr(kEstimateName).cstr(kEstimateName);
      if (bind != nullptr) {
        b.u16(bind->format_count).bytes(bind->formats).u16(bind->param_count).bytes(bind->params);
      } else {
        b.u16(0).u16(0);
      }
      b.u16(0);  // results in text
    }
    MessageWriter(replacement_, 'E').cstr(kEstimateName).u32(0);
    // Both closed: an open portal would outlive the statement until the client's Sync, and
    // the next EXPLAIN of the same batch (a pipeline, or a statement offered again after a
    // review) could not bind its name again.
    MessageWriter(replacement_, 'C').u8('P').cstr(kEstimateName);
    MessageWriter(replacement_, 'C').u8('S').cstr(kEstimateName);
    MessageWriter(replacement_, 'H');  // Flush: the server holds its output until Sync or Flush
    req.describe_kind = 'X';
  }
  queue_.push(std::move(req));
  estimate_pending_ = true;
}

void RequestTracker::estimate_discarded() {
  estimate_pending_ = false;
  estimates_ready_ = true;
  estimate_discarded_ = true;
}

void RequestTracker::finish_estimate_row() {
  PlanEstimate e;
  if (auto c = policy::parse_explain_json(estimate_json_)) {
    e.ok = true;
    e.rows = c->rows;
    e.total_cost = c->total_cost;
  } else {
    estimate_sqlstate_ = "XX000";
    estimate_error_ = "the server's EXPLAIN result could not be read";
    e.sqlstate = estimate_sqlstate_;
    e.error = estimate_error_;
  }
  estimates_.push_back(e);
  estimate_json_.clear();
}

// Responses to the gateway's EXPLAIN: read, never forwarded.
TrackResult RequestTracker::on_estimate_message(const Frame& f) {
  const bool simple = queue_.front().describe_kind == 'Q';
  auto done = [this] {
    // One estimate per statement asked for, also when the EXPLAIN failed part way.
    if (estimate_error_.empty()) {
      estimate_sqlstate_ = "XX000";
      estimate_error_ = "the server returned no plan";
    }
    for (PlanEstimate& e : estimates_) {
      if (!e.ok) e.sqlstate = estimate_sqlstate_, e.error = estimate_error_;
    }
    estimates_.resize(estimates_expected_,
                      PlanEstimate{false, 0, 0, estimate_sqlstate_, estimate_error_});
    pop_front();
    estimate_pending_ = false;
    estimates_ready_ = true;
    return TrackResult::kDrop;
  };
  switch (f.type) {
    case msg::kParameterStatus:
    case msg::kNotification:
      return TrackResult::kForward;  // not part of any response
    case msg::kNoticeResponse:
    case msg::kRowDescription:
    case msg::kParseComplete:
    case msg::kBindComplete:
      return TrackResult::kDrop;
    case msg::kDataRow: {
      // One column of text: the plan. Long plans could come as one row only.
      BodyReader r(f.body);
      if (r.u16() != 1) return fail("unexpected EXPLAIN result from server");
      int32_t len = r.i32();
      if (len < 0) return fail("unexpected EXPLAIN result from server");
      estimate_json_.append(r.bytes(static_cast<size_t>(len)));
      if (!r.ok()) return fail("malformed DataRow");
      return TrackResult::kDrop;
    }
    case msg::kCommandComplete:
      finish_estimate_row();
      return TrackResult::kDrop;
    case msg::kErrorResponse: {
      ErrorFields e;
      parse_error_fields(f.body, e);
      estimate_sqlstate_.assign(e.code.empty() ? std::string_view("XX000") : e.code);
      estimate_error_.assign(e.message);
      if (!simple) return done();  // the server now discards up to the client's Sync
      return TrackResult::kDrop;
    }
    case msg::kCloseComplete:
      if (simple) return fail("completion message does not match the pending request");
      if (++estimate_closes_ < 2) return TrackResult::kDrop;  // the portal; then the statement
      return done();
    case msg::kReadyForQuery:
      if (!simple || f.body.size() != 1) return fail("unexpected ReadyForQuery");
      tx_status_ = f.body[0];
      return done();
    default:
      return fail("unexpected message from server during an EXPLAIN");
  }
}

}  // namespace gh::pg
