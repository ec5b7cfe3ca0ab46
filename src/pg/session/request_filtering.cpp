// The request tracker's side of masking and of the gateway's own queries: result rows handed
// to the result filter, the shape of every Execute made known (a Describe of the portal is
// sent when the client sent none), and the internal Query whose answer never reaches the
// client.

#include "pg/protocol/builders.h"
#include "pg/session/request_tracker.h"

namespace gh::pg {

TrackResult RequestTracker::on_row_message(const Frame& f) {
  ++rows_;
  std::string_view body = f.body;
  TrackResult t = TrackResult::kForward;
  if (filtering() && !queue_.empty() && (f.type == msg::kDataRow || copy_out_)) {
    row_out_.clear();
    switch (filter_->rewrite(f.type, f.body, row_out_)) {
      case RowRewrite::kUnchanged:
        break;
      case RowRewrite::kRewritten:
        body = std::string_view(row_out_).substr(5);
        t = TrackResult::kReplace;
        break;
      case RowRewrite::kFailed:
        return fail("a result row from the server could not be checked for masking");
    }
  }
  bytes_ += t == TrackResult::kReplace ? row_out_.size() : f.raw.size();
  if (f.type == msg::kDataRow && hooks_ != nullptr && hooks_->wants_rows && !queue_.empty())
    hooks_->on_row(queue_.front().statement_id, body);
  return t;
}

bool RequestTracker::need_shape(const Portal* portal, const Frame& execute,
                                std::string_view portal_name) {
  PendingRequest& req = queue_.back();
  if (portal != nullptr) req.result_formats = portal->result_formats;
  if (portal != nullptr && portal->shape) return false;  // described and answered
  if (portal != nullptr && portal->describe_queued) {
    req.shape_pending = true;  // its answer is on the way, ahead of this Execute
    req.describe_name.assign(portal_name);
    return false;
  }
  if (req.shape) return false;          // the statement's shape, with the Bind's formats
  if (portal == nullptr) return false;  // the server will refuse the Execute
  // Nobody asked: describe the portal first, and keep its answer from the client.
  PendingRequest d = PendingRequest::of(RequestKind::kDescribe, 0, req.started_ns);
  d.describe_kind = 'P';
  d.describe_name.assign(portal_name);
  d.hidden = true;
  req.shape_pending = true;
  req.describe_name.assign(portal_name);
  queue_.push_before_back(std::move(d));
  replacement_.clear();
  build_describe(replacement_, 'P', portal_name);
  replacement_.append(execute.raw);
  return true;
}

void RequestTracker::deliver_portal_shape(std::string_view name, const RowShapePtr& shape) {
  for (size_t i = 1; i < queue_.size(); ++i) {
    PendingRequest& r = queue_.at(i);
    if (r.kind == RequestKind::kExecute && r.shape_pending && r.describe_name == name) {
      r.shape = shape;
      r.shape_pending = false;
      return;
    }
  }
}

void RequestTracker::start_internal_query(std::string_view sql, InternalQuerySink* sink,
                                          int64_t now_ns) {
  replacement_.clear();
  build_query(replacement_, sql);
  queue_.push(PendingRequest::of(RequestKind::kInternal, 0, now_ns));
  internal_ = sink;
  internal_pending_ = true;
  internal_result_ = 0;
  internal_sqlstate_.clear();
  internal_error_.clear();
}

TrackResult RequestTracker::on_internal_message(const Frame& f) {
  switch (f.type) {
    case msg::kDataRow:
      if (internal_ != nullptr) internal_->on_internal_row(internal_result_, f.body);
      return TrackResult::kDrop;
    case msg::kCommandComplete:
    case msg::kEmptyQuery:
      ++internal_result_;
      return TrackResult::kDrop;
    case msg::kRowDescription:
    case msg::kNoticeResponse:
      return TrackResult::kDrop;
    case msg::kErrorResponse: {
      ErrorFields e;
      parse_error_fields(f.body, e);
      if (internal_sqlstate_.empty()) {
        internal_sqlstate_.assign(e.code.empty() ? std::string_view("XX000") : e.code);
        internal_error_.assign(e.message);
      }
      return TrackResult::kDrop;
    }
    case msg::kReadyForQuery: {
      if (f.body.size() != 1) return fail("malformed ReadyForQuery");
      tx_status_ = f.body[0];
      pop_front();
      internal_pending_ = false;
      InternalQuerySink* sink = internal_;
      internal_ = nullptr;
      if (sink != nullptr) sink->on_internal_done(internal_sqlstate_, internal_error_);
      return TrackResult::kDrop;
    }
    case msg::kParameterStatus:
    case msg::kNotification:
      return TrackResult::kForward;
    default:
      return fail("unexpected message from the server during the gateway's own query");
  }
}

}  // namespace gh::pg

