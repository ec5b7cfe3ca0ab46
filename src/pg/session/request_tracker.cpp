#include "pg/session/request_tracker.h"

#include <chrono>

#include "pg/protocol/builders.h"

namespace gh::pg {

namespace {

bool is_extended(RequestKind k) {
  return k == RequestKind::kParse || k == RequestKind::kBind || k == RequestKind::kDescribe ||
         k == RequestKind::kExecute || k == RequestKind::kClose;
}

}  // namespace

RequestTracker::PreparedPtr RequestTracker::prepare(std::string_view sql,
                                                    std::string_view param_types, bool judged) {
  // Drivers re-Parse the same unnamed statement over and over: reuse it when nobody
  // else holds it.
  if (unnamed_statement_ && unnamed_statement_.use_count() == 1 && unnamed_statement_->sql == sql &&
      unnamed_statement_->param_types == param_types && unnamed_statement_->judged == judged)
    return unnamed_statement_;
  return std::make_shared<const Prepared>(
      Prepared{std::string(sql), std::string(param_types), nullptr, judged});
}

RequestTracker::Start RequestTracker::judge_parse(std::string_view sql, std::string_view name,
                                                  int64_t now_ns, bool& judge_at_execute) {
  StatementStart s;
  s.id = next_statement_id_;  // taken only if the Parse is refused
  s.protocol = Protocol::kExtended;
  s.sql = sql;
  s.statement_name = name;
  s.at_parse = true;
  Verdict v = hooks_->on_statement(s);
  judge_at_execute = v.allow && v.judge_at_execute;
  if (v.allow) return Start::kForward;
  ++next_statement_id_;
  if (tx_status_ == 'T') {
    inject_refusal(s.id, v, Protocol::kExtended, now_ns);
    return Start::kReplace;
  }
  queue_refusal(s.id, v, /*with_ready=*/false, now_ns);
  return Start::kRefused;
}

RequestTracker::Portal* RequestTracker::find_portal(std::string_view name) {
  if (name.empty()) return &unnamed_portal_;
  auto it = portals_.find(name);
  return it == portals_.end() ? nullptr : &it->second;
}

RequestTracker::Start RequestTracker::start_statement(Protocol p, std::string_view sql,
                                                      std::string_view stmt,
                                                      std::string_view portal,
                                                      const BindMessage* bind, uint32_t max_rows,
                                                      bool prejudged, int64_t now_ns,
                                                      const Prepared* prepared) {
  uint64_t id = next_statement_id_++;
  Verdict v;
  if (hooks_ != nullptr) {
    StatementStart s;
    s.id = id;
    s.protocol = p;
    s.sql = sql;
    s.statement_name = stmt;
    s.portal_name = portal;
    s.bind = bind;
    s.max_rows = max_rows;
    s.prejudged = prejudged;
    if (estimates_ready_ && estimate_discarded_) {
      // The server is skipping everything up to the client's Sync after an earlier error; it
      // would have skipped this statement too.
      estimates_ready_ = estimate_discarded_ = false;
      --next_statement_id_;
      return Start::kDiscard;
    }
    const bool answered = estimates_ready_;
    if (answered) s.estimates = estimates_;
    v = hooks_->on_statement(s);
    estimates_ready_ = false;
    if (!v.run_sql.empty()) {
      // An approved edit runs instead: judged as a statement of its own (it may need estimates
      // too: they are asked for the edit, and the client's message is offered again), and
      // sent in place of the client's Query if allowed.
      if (p != Protocol::kSimple || rewriting_) {
        v = Verdict::Refuse("XX000", "gatehouse cannot run an edited statement here");
      } else {
        --next_statement_id_;
        edited_sql_ = std::move(v.run_sql);
        // Estimates answered now are the edit's only if they were asked for it.
        estimates_ready_ = answered && edit_estimated_;
        rewriting_ = true;
        Start st = start_statement(p, edited_sql_, {}, {}, nullptr, 0, false, now_ns);
        rewriting_ = false;
        edit_estimated_ = st == Start::kEstimate;
        if (st != Start::kForward) return st;
        replacement_.clear();
        build_query(replacement_, edited_sql_);
        return Start::kReplace;
      }
    }
    if (!v.hold_review.empty()) {
      held_review_ = std::move(v.hold_review);
      --next_statement_id_;
      return Start::kHold;
    }
    if (!v.estimates_needed.empty() && answered) {
      // Asked once already: never loop on EXPLAIN. Fail closed.
      v = Verdict::Refuse("XX000",
                          "gatehouse could not get the planner's estimates for this "
                          "statement, so it was not run");
    } else if (!v.estimates_needed.empty()) {
      if (p == Protocol::kSimple && extended_unsynced_) {
        // The server may be skipping to a Sync: an EXPLAIN Query could go unanswered.
        estimate_sqlstate_ = "0A000";
        estimate_error_ =
            "a Query sent before the Sync of an extended-protocol batch cannot "
            "be estimated; send Sync first";
        estimates_.assign(v.estimates_needed.size(),
                          PlanEstimate{false, 0, 0, estimate_sqlstate_, estimate_error_});
        s.estimates = estimates_;
        v = hooks_->on_statement(s);
      } else {
        // Asked again, with the estimates, once the server has answered the EXPLAIN.
        --next_statement_id_;
        request_estimates(v.estimates_needed, p == Protocol::kExtended ? prepared : nullptr, bind,
                          now_ns);
        return Start::kEstimate;
      }
    }
  }
  if (!v.allow) {
    if (tx_status_ == 'T') {
      inject_refusal(id, v, p, now_ns);
      return Start::kReplace;
    }
    queue_refusal(id, v, p == Protocol::kSimple, now_ns);
    return Start::kRefused;
  }
  queue_.push(PendingRequest::of(
      p == Protocol::kSimple ? RequestKind::kQuery : RequestKind::kExecute, id, now_ns));
  rows_ = bytes_ = 0;
  return Start::kForward;
}

TrackResult RequestTracker::on_client_message(const Frame& f, int64_t now_ns) {
  if (discard_until_sync_) {
    // As the server does after an error: everything up to Sync is ignored.
    if (f.type == msg::kSync) {
      discard_until_sync_ = false;
    } else if (f.type == msg::kTerminate) {
      return TrackResult::kTerminate;
    } else {
      return TrackResult::kDrop;
    }
  }
  switch (f.type) {
    case msg::kQuery: {
      QueryMessage q;
      if (!parse_query(f.body, q)) return fail("malformed Query message");
      switch (start_statement(Protocol::kSimple, q.sql, {}, {}, nullptr, 0, false, now_ns)) {
        case Start::kForward:
          return TrackResult::kForward;
        case Start::kRefused:
          return TrackResult::kDrop;
        case Start::kReplace:
          return TrackResult::kReplace;
        case Start::kEstimate:
          return TrackResult::kEstimate;
        case Start::kHold:
          return TrackResult::kHold;
        case Start::kDiscard:
          return TrackResult::kDrop;
      }
      return TrackResult::kDrop;
    }
    case msg::kParse: {
      extended_unsynced_ = true;
      ParseMessage m;
      if (!parse_parse(f.body, m)) return fail("malformed Parse message");
      // Judged here, once: the statement keeps this decision at every Execute. A refused
      // Parse is answered in its turn and everything up to Sync is discarded.
      bool judged = hooks_ != nullptr && hooks_->judges_parse;
      if (judged) {
        bool at_execute = false;
        Start st = judge_parse(m.sql, m.statement, now_ns, at_execute);
        if (st != Start::kForward) {
          discard_until_sync_ = true;
          return st == Start::kReplace ? TrackResult::kReplace : TrackResult::kDrop;
        }
        if (at_execute) judged = false;
      }
      PreparedPtr p = prepare(m.sql, m.param_types, judged);
      if (m.statement.empty()) {
        unnamed_statement_ = std::move(p);
      } else {
        auto it = statements_.find(m.statement);
        if (it == statements_.end()) {
          statements_.emplace(std::string(m.statement), std::move(p));
        } else {
          // The server will answer "prepared statement already exists"; keep ours.
        }
      }
      queue_.push(PendingRequest::of(RequestKind::kParse, 0, now_ns));
      return TrackResult::kForward;
    }
    case msg::kBind: {
      extended_unsynced_ = true;
      BindMessage b;
      if (!parse_bind(f.body, b)) return fail("malformed Bind message");
      PreparedPtr stmt;
      if (b.statement.empty()) {
        stmt = unnamed_statement_;
      } else if (auto it = statements_.find(b.statement); it != statements_.end()) {
        stmt = it->second;
      }
      Portal* portal;
      if (b.portal.empty()) {
        portal = &unnamed_portal_;
      } else {
        portal = &portals_[std::string(b.portal)];
      }
      portal->statement = std::move(stmt);
      portal->shape.reset();  // a new portal: its statement's shape applies until described
      portal->describe_queued = false;
      if (filter_ != nullptr) portal->result_formats.assign(b.result_formats);
      if (portal->statement_name != b.statement) portal->statement_name.assign(b.statement);
      if (hooks_ != nullptr && hooks_->wants_parameters) {
        portal->params.assign(f.body);
      } else {
        portal->params.clear();
      }
      queue_.push(PendingRequest::of(RequestKind::kBind, 0, now_ns));
      return TrackResult::kForward;
    }
    case msg::kExecute: {
      extended_unsynced_ = true;
      ExecuteMessage e;
      if (!parse_execute(f.body, e)) return fail("malformed Execute message");
      Portal* portal = find_portal(e.portal);
      std::string_view sql;
      std::string_view stmt_name;
      BindMessage bind;
      const BindMessage* bind_ptr = nullptr;
      bool prejudged = false;
      const Prepared* prepared = nullptr;
      if (portal != nullptr) {
        if (portal->statement) {
          sql = portal->statement->sql;
          prejudged = portal->statement->judged;
          prepared = portal->statement.get();
        }
        stmt_name = portal->statement_name;
        if (!portal->params.empty() && parse_bind(portal->params, bind)) bind_ptr = &bind;
      }
      Start st = start_statement(Protocol::kExtended, sql, stmt_name, e.portal, bind_ptr,
                                 e.max_rows, prejudged, now_ns, prepared);
      if (st == Start::kEstimate) return TrackResult::kEstimate;
      if (st == Start::kHold) return TrackResult::kHold;
      if (st == Start::kDiscard) {
        discard_until_sync_ = true;
        return TrackResult::kDrop;
      }
      if (st != Start::kForward) {
        discard_until_sync_ = true;
        return st == Start::kReplace ? TrackResult::kReplace : TrackResult::kDrop;
      }
      if (portal != nullptr) {
        queue_.back().shape = portal->shape
                                  ? portal->shape
                                  : (portal->statement ? portal->statement->shape : RowShapePtr());
      }
      if (filtering() && need_shape(portal, f, e.portal)) return TrackResult::kReplace;
      return TrackResult::kForward;
    }
    case msg::kDescribe: {
      extended_unsynced_ = true;
      TargetMessage t;
      if (!parse_target(f.body, t)) return fail("malformed Describe message");
      PendingRequest req = PendingRequest::of(RequestKind::kDescribe, 0, now_ns);
      req.describe_kind = t.kind;
      req.describe_name.assign(t.name);
      queue_.push(std::move(req));
      if (t.kind == 'P') {
        if (Portal* portal = find_portal(t.name)) portal->describe_queued = true;
      }
      return TrackResult::kForward;
    }
    case msg::kClose: {
      extended_unsynced_ = true;
      TargetMessage t;
      if (!parse_target(f.body, t)) return fail("malformed Close message");
      if (t.kind == 'S') {
        if (t.name.empty()) {
          unnamed_statement_.reset();
        } else {
          if (auto it = statements_.find(t.name); it != statements_.end()) statements_.erase(it);
          if (hooks_ != nullptr) hooks_->on_statement_closed(t.name);
        }
      } else {
        if (t.name.empty()) {
          unnamed_portal_ = Portal{};
        } else if (auto it = portals_.find(t.name); it != portals_.end()) {
          portals_.erase(it);
        }
      }
      queue_.push(PendingRequest::of(RequestKind::kClose, 0, now_ns));
      return TrackResult::kForward;
    }
    case msg::kSync:
      if (!f.body.empty()) return fail("malformed Sync message");
      extended_unsynced_ = false;
      queue_.push(PendingRequest::of(RequestKind::kSync, 0, now_ns));
      return TrackResult::kForward;
    case msg::kFlush:
      if (!f.body.empty()) return fail("malformed Flush message");
      return TrackResult::kForward;
    case msg::kFunctionCall:
      // The fast-path interface runs a function by OID with no SQL: nothing to judge or
      // record, so it is refused (the server answers it with ErrorResponse and
      // ReadyForQuery; so does the gateway, in its turn).
      queue_refusal(0,
                    Verdict::Refuse("42501",
                                    "gatehouse does not allow the fast-path function call "
                                    "interface (FunctionCall message); call the function in SQL"),
                    /*with_ready=*/true, now_ns);
      return TrackResult::kDrop;
    case msg::kCopyData:
      return TrackResult::kForward;
    case msg::kCopyDone:
    case msg::kCopyFail:
      copy_in_ = false;
      return TrackResult::kForward;
    case msg::kTerminate:
      return TrackResult::kTerminate;
    default:
      return fail("invalid frontend message type");
  }
}

void RequestTracker::finish_result(const RequestCore& req, ResultSummary& r, int64_t now_ns) {
  r.duration_ns = now_ns - req.started_ns;
  r.rows = rows_;
  r.bytes = bytes_;
  rows_ = bytes_ = 0;
  copy_out_ = false;
  if (filtering() && req.statement_id != 0) r.masked = filter_->finish_result(req.statement_id);
  if (hooks_ != nullptr && req.statement_id != 0) hooks_->on_result(req.statement_id, r);
}

void RequestTracker::end_statement(const RequestCore& req, int64_t now_ns, bool skipped) {
  if (hooks_ != nullptr && req.statement_id != 0)
    hooks_->on_end(req.statement_id, std::chrono::nanoseconds(now_ns - req.started_ns), skipped);
}

// After an error in the extended protocol the server discards everything up to Sync.
void RequestTracker::skip_until_sync(int64_t now_ns) {
  while (!queue_.empty() && queue_.front().kind != RequestKind::kSync &&
         queue_.front().kind != RequestKind::kQuery) {
    RequestCore req = queue_.front().core();
    pop_front();
    // The server discards an injected Query too: it is the error it would have raised.
    if (req.kind == RequestKind::kExecute || req.kind == RequestKind::kInjectedQuery)
      end_statement(req, now_ns, true);
    if (req.kind == RequestKind::kSynthetic) free_synthetic_.push_back(req.synthetic);
    if (req.kind == RequestKind::kEstimate) estimate_discarded();
  }
}

void RequestTracker::store_shape(const PendingRequest& d, RowShapePtr shape) {
  if (d.describe_kind == 'S') {
    const Prepared* p = nullptr;
    if (d.describe_name.empty()) {
      p = unnamed_statement_.get();
    } else if (auto it = statements_.find(d.describe_name); it != statements_.end()) {
      p = it->second.get();
    }
    if (p != nullptr) p->shape = std::move(shape);
  } else if (Portal* portal = find_portal(d.describe_name); portal != nullptr) {
    portal->shape = std::move(shape);
  }
}

void RequestTracker::report_execute_columns() {
  if (front_columns_reported_ || queue_.empty()) return;
  front_columns_reported_ = true;
  const PendingRequest& req = queue_.front();
  if (req.kind != RequestKind::kExecute) return;
  if (filtering()) {
    if (!req.shape) {
      columns_scratch_.clear();
      filter_->begin_rows(req.statement_id, columns_scratch_, nullptr, /*unknown=*/true);
    } else if (!req.shape->no_data) {
      filter_->begin_rows(req.statement_id, req.shape->columns, &req.result_formats, false);
    }
  }
  if (!req.shape || req.shape->no_data) return;
  if (hooks_ != nullptr && hooks_->wants_columns)
    hooks_->on_columns(req.statement_id, req.shape->columns);
}

TrackResult RequestTracker::on_backend_message(const Frame& f, int64_t now_ns) {
  if (!queue_.empty() && queue_.front().kind == RequestKind::kEstimate)
    return on_estimate_message(f);
  if (!queue_.empty() && queue_.front().kind == RequestKind::kInternal)
    return on_internal_message(f);
  if (!front_columns_reported_ && !queue_.empty() && queue_.front().kind == RequestKind::kExecute &&
      (f.type == msg::kDataRow || f.type == msg::kCommandComplete ||
       f.type == msg::kCopyOutResponse || f.type == msg::kPortalSuspended))
    report_execute_columns();
  switch (f.type) {
    case msg::kDataRow:
    case msg::kCopyData:
      return on_row_message(f);
    case msg::kCommandComplete:
    case msg::kEmptyQuery:
    case msg::kPortalSuspended: {
      if (queue_.empty()) return fail("unexpected result message from server");
      RequestCore req = queue_.front().core();
      if (req.kind != RequestKind::kQuery && req.kind != RequestKind::kExecute)
        return fail("result message does not match the pending request");
      copy_in_ = false;
      ResultSummary r;
      if (f.type == msg::kCommandComplete) {
        if (f.body.empty() || f.body.back() != '\0') return fail("malformed CommandComplete");
        r.command_tag = f.body.substr(0, f.body.size() - 1);
      }
      r.suspended = f.type == msg::kPortalSuspended;
      r.empty_query = f.type == msg::kEmptyQuery;
      finish_result(req, r, now_ns);
      if (req.kind == RequestKind::kExecute) {
        pop_front();
        end_statement(req, now_ns, false);
      }
      return TrackResult::kForward;
    }
    case msg::kErrorResponse: {
      copy_in_ = false;
      if (queue_.empty()) return TrackResult::kForward;  // e.g. FATAL on shutdown
      RequestCore req = queue_.front().core();
      ErrorFields e;
      parse_error_fields(f.body, e);
      if (req.kind == RequestKind::kQuery || req.kind == RequestKind::kExecute ||
          req.kind == RequestKind::kFunctionCall || req.kind == RequestKind::kInjectedQuery) {
        ResultSummary r;
        r.sqlstate = e.code;
        r.error_message = e.message;
        finish_result(req, r, now_ns);
      }
      if (is_extended(req.kind)) {
        if (req.kind == RequestKind::kExecute) {
          pop_front();
          end_statement(req, now_ns, false);
        }
        skip_until_sync(now_ns);
      }
      return TrackResult::kForward;
    }
    case msg::kReadyForQuery: {
      if (f.body.size() != 1) return fail("malformed ReadyForQuery");
      tx_status_ = f.body[0];
      copy_in_ = false;
      if (!queue_.empty() && queue_.front().kind == RequestKind::kInjectedQuery) {
        RequestCore req = queue_.front().core();
        pop_front();
        end_statement(req, now_ns, false);
        return TrackResult::kDrop;  // the client's Sync gets its own
      }
      // Anything still ahead of the Sync/Query was discarded by the server.
      while (!queue_.empty()) {
        RequestCore req = queue_.front().core();
        pop_front();
        if (req.kind == RequestKind::kSync || req.kind == RequestKind::kFunctionCall) break;
        if (req.kind == RequestKind::kQuery) {
          end_statement(req, now_ns, false);
          break;
        }
        if (req.kind == RequestKind::kExecute) end_statement(req, now_ns, true);
        if (req.kind == RequestKind::kSynthetic) free_synthetic_.push_back(req.synthetic);
        if (req.kind == RequestKind::kEstimate) estimate_discarded();
      }
      return TrackResult::kForward;
    }
    case msg::kParseComplete:
    case msg::kBindComplete:
    case msg::kCloseComplete: {
      RequestKind want = f.type == msg::kParseComplete  ? RequestKind::kParse
                         : f.type == msg::kBindComplete ? RequestKind::kBind
                                                        : RequestKind::kClose;
      if (queue_.empty() || queue_.front().kind != want)
        return fail("completion message does not match the pending request");
      pop_front();
      return TrackResult::kForward;
    }
    case msg::kParameterDescription:
      if (queue_.empty() || queue_.front().kind != RequestKind::kDescribe)
        return fail("unexpected ParameterDescription");
      return TrackResult::kForward;
    case msg::kRowDescription:
    case msg::kNoData: {
      if (queue_.empty()) return fail("unexpected row description");
      PendingRequest& req = queue_.front();
      if (f.type == msg::kRowDescription && req.statement_id != 0 &&
          ((hooks_ != nullptr && hooks_->wants_columns) || filtering())) {
        if (!parse_row_description(f.body, columns_scratch_))
          return fail("malformed RowDescription");
        if (filtering()) filter_->begin_rows(req.statement_id, columns_scratch_, nullptr, false);
        if (hooks_ != nullptr && hooks_->wants_columns)
          hooks_->on_columns(req.statement_id, columns_scratch_);
      }
      if (req.kind == RequestKind::kDescribe) {
        auto shape = std::make_shared<RowShape>();
        if (f.type == msg::kNoData) {
          shape->no_data = true;
        } else {
          shape->body.assign(f.body);
          if (!parse_row_description(shape->body, shape->columns))
            return fail("malformed RowDescription");
        }
        const bool hidden = req.hidden;
        if (req.describe_kind == 'P' && filtering()) deliver_portal_shape(req.describe_name, shape);
        store_shape(req, std::move(shape));
        pop_front();
        if (hidden) return TrackResult::kDrop;
      } else if (f.type == msg::kNoData || req.kind != RequestKind::kQuery) {
        return fail("row description does not match the pending request");
      }
      rows_ = bytes_ = 0;
      return TrackResult::kForward;
    }
    case msg::kCopyInResponse:
      copy_in_ = true;
      return TrackResult::kForward;
    case msg::kCopyOutResponse:
    case msg::kCopyBothResponse: {
      if (filtering() && !queue_.empty() && queue_.front().statement_id != 0) {
        // int8 overall format, int16 column count, then the columns' format codes.
        if (f.body.size() < 3) return fail("malformed CopyOutResponse");
        const auto* b = reinterpret_cast<const unsigned char*>(f.body.data());
        copy_out_ = true;
        filter_->begin_copy(queue_.front().statement_id, b[0] != 0,
                            static_cast<uint16_t>((b[1] << 8) | b[2]));
      }
      return TrackResult::kForward;
    }
    case msg::kCopyDone:
      copy_out_ = false;
      return TrackResult::kForward;
    case msg::kFunctionCallResponse:
    case msg::kNoticeResponse:
    case msg::kNotification:
    case msg::kParameterStatus:
      return TrackResult::kForward;
    default:
      return fail("unexpected message type from server");
  }
}

}  // namespace gh::pg
