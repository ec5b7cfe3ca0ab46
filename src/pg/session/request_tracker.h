#pragma once

// Extended-protocol bookkeeping for one session, without sockets: the relay feeds it
// every message in each direction, and it keeps the FIFO of outstanding requests,
// the prepared statements and portals, matches each response to its statement, and
// calls the statement hooks. Tests drive it with byte fixtures.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pg/protocol/frame.h"
#include "pg/protocol/messages.h"
#include "pg/session/request_queue.h"
#include "pg/session/result_filter.h"
#include "pg/session/statement_hooks.h"

namespace gh::pg {

enum class TrackResult : uint8_t {
  kForward,    // pass the message on unchanged
  kDrop,       // do not forward (refused, or discarded until Sync after a refusal)
  kTerminate,  // client sent Terminate: forward it, then close
  // Forward replacement() instead of the message: a refusal the server must raise inside a
  // transaction block, or an approver's edit of the statement (a server message:
  // row_replacement(), the masked row).
  kReplace,
  // Not yet: forward replacement() (an EXPLAIN for the hooks' cost estimate), wait until
  // estimate_pending() is false, then offer the same message again.
  kEstimate,
  // Not yet: the statement waits for review request held_review(); offer the same message
  // again once it is decided (nothing was queued for it).
  kHold,
  kViolation,  // malformed or unexpected: close with a protocol error (see violation())
};

// Lets maps keyed by std::string be searched with a string_view, without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class RequestTracker {
 public:
  explicit RequestTracker(StatementHooks* hooks = nullptr) : hooks_(hooks) {}

  void set_hooks(StatementHooks* hooks) { hooks_ = hooks; }
  // The masking hook (also one of the hooks): sees each result's shape and rewrites its rows.
  void set_filter(ResultFilter* filter) { filter_ = filter; }

  // Sends `sql` as the gateway's own Query (replacement() holds its bytes; forward them, then
  // wait until internal_pending() is false). Only when idle(). Its results go to `sink`.
  void start_internal_query(std::string_view sql, InternalQuerySink* sink, int64_t now_ns);
  bool internal_pending() const { return internal_pending_; }
  // Nothing outstanding and no extended-protocol batch open: a Query of the gateway's own
  // cannot interleave with the client's.
  bool idle() const {
    return queue_.empty() && !extended_unsynced_ && !copy_in_ && !discard_until_sync_;
  }

  TrackResult on_client_message(const Frame& f, int64_t now_ns);
  TrackResult on_backend_message(const Frame& f, int64_t now_ns);

  // Appends the gateway's own responses that are now due (refusals whose turn in the
  // response order has come) to `out`; false if there were none. Call after each
  // server message and after each client batch.
  bool take_due_responses(std::string& out);
  bool has_due_responses() const {
    return !queue_.empty() && queue_.front().kind == RequestKind::kSynthetic;
  }

  const char* violation() const { return violation_; }
  // With kReplace: the bytes to send to the server instead of the client's message.
  std::string_view replacement() const { return replacement_; }
  // With kReplace from on_backend_message: the rewritten message.
  std::string_view row_replacement() const { return row_out_; }
  size_t outstanding() const { return queue_.size(); }
  // An EXPLAIN sent for the hooks (kEstimate) has not been fully answered yet.
  bool estimate_pending() const { return estimate_pending_; }
  // With kHold: the review request the statement waits for.
  const std::string& held_review() const { return held_review_; }
  bool in_copy_in() const { return copy_in_; }
  // True while the server may be executing something for the client.
  bool busy() const { return !queue_.empty(); }
  char transaction_status() const { return tx_status_; }
  uint64_t statements() const { return next_statement_id_ - 1; }

 private:
  struct Prepared {
    std::string sql;
    std::string param_types;    // the Parse's parameter type OIDs (raw), for an EXPLAIN of it
    mutable RowShapePtr shape;  // from Describe of the statement, once answered
    bool judged = false;        // the hooks allowed it at Parse
  };
  using PreparedPtr = std::shared_ptr<const Prepared>;
  struct Portal {
    PreparedPtr statement;
    RowShapePtr shape;  // from Describe of the portal, else its statement's
    std::string statement_name;
    std::string params;  // raw Bind message body, only when hooks want parameters
    std::string result_formats;    // with a filter: the Bind's result-format codes (raw)
    bool describe_queued = false;  // a Describe of this portal was sent since its Bind
  };

  TrackResult fail(const char* why) {
    violation_ = why;
    return TrackResult::kViolation;
  }
  PreparedPtr prepare(std::string_view sql, std::string_view param_types, bool judged);
  enum class Start : uint8_t {
    kForward,   // allowed
    kRefused,   // refused; the gateway answers in its turn
    kReplace,   // refused inside a transaction block: replacement() makes the server fail it;
                // or an approved edit runs instead: replacement() is its Query
    kEstimate,  // the hooks need cost estimates first: replacement() is the EXPLAIN
    kDiscard,   // the server discarded the EXPLAIN after an earlier error: drop it silently
    kHold,      // waits for a review decision: offer it again then
  };
  // The hooks' verdict on a Parse (a refusal is queued, or injected in a transaction block).
  Start judge_parse(std::string_view sql, std::string_view name, int64_t now_ns,
                    bool& judge_at_execute);
  Portal* find_portal(std::string_view name);
  Start start_statement(Protocol p, std::string_view sql, std::string_view stmt,
                        std::string_view portal, const BindMessage* bind, uint32_t max_rows,
                        bool prejudged, int64_t now_ns, const Prepared* prepared = nullptr);
  // Builds the EXPLAIN for the statements a hook named into replacement_ and queues it.
  void request_estimates(const std::vector<std::string_view>& texts, const Prepared* prepared,
                         const BindMessage* bind, int64_t now_ns);
  TrackResult on_estimate_message(const Frame& f);
  // The server discarded the EXPLAIN (it was skipping up to Sync after an error).
  void estimate_discarded();
  void finish_estimate_row();
  // A refusal inside a transaction block must also fail the server's transaction, or a
  // later COMMIT would commit what ran before it: the statement is replaced by a Query
  // that raises the refusal on the server.
  void inject_refusal(uint64_t id, const Verdict& v, Protocol p, int64_t now_ns);
  void queue_refusal(uint64_t id, const Verdict& v, bool with_ready, int64_t now_ns);
  void finish_result(const RequestCore& req, ResultSummary& r, int64_t now_ns);
  void end_statement(const RequestCore& req, int64_t now_ns, bool skipped);
  void skip_until_sync(int64_t now_ns);
  // Files the shape a Describe was answered with under its statement or portal.
  void store_shape(const PendingRequest& describe, RowShapePtr shape);
  // Reports the front Execute's columns to the hooks once, before its first result.
  void report_execute_columns();
  bool filtering() const { return filter_ != nullptr && filter_->filtering(); }
  // With a filter: makes sure the Execute just queued will know its shape; true when a
  // Describe of the portal must be sent before it (replacement() then holds both).
  bool need_shape(const Portal* portal, const Frame& execute, std::string_view portal_name);
  // A Describe of portal `name` was answered: the first Execute of it waiting for its shape
  // gets it.
  void deliver_portal_shape(std::string_view name, const RowShapePtr& shape);
  TrackResult on_internal_message(const Frame& f);
  TrackResult on_row_message(const Frame& f);
  void pop_front() {
    queue_.pop();
    front_columns_reported_ = false;
  }

  StatementHooks* hooks_;
  ResultFilter* filter_ = nullptr;
  std::string row_out_;  // a rewritten row
  bool copy_out_ = false;
  InternalQuerySink* internal_ = nullptr;
  bool internal_pending_ = false;
  size_t internal_result_ = 0;
  std::string internal_sqlstate_;
  std::string internal_error_;
  RequestQueue queue_;
  uint64_t next_statement_id_ = 1;
  const char* violation_ = nullptr;
  std::string replacement_;
  std::string held_review_;
  std::string edited_sql_;  // an approver's edit being offered in place of the client's Query
  bool rewriting_ = false;
  bool edit_estimated_ = false;  // the EXPLAIN in flight is for edited_sql_
  char tx_status_ = 'I';
  bool copy_in_ = false;
  bool discard_until_sync_ = false;  // an extended-protocol statement was refused
  // Cost estimates for the hooks: requested (pending), then answered (ready) until the
  // statement is offered again. A failed estimate views estimate_sqlstate_/estimate_error_.
  bool estimate_pending_ = false;
  bool estimates_ready_ = false;
  bool estimate_discarded_ = false;  // the server skipped it: so it skips the statement too
  // Extended-protocol messages were sent since the last Sync: a Query there may be discarded
  // by the server, so no simple-form EXPLAIN is sent then.
  bool extended_unsynced_ = false;
  std::vector<PlanEstimate> estimates_;
  size_t estimates_expected_ = 0;
  uint8_t estimate_closes_ = 0;  // CloseCompletes seen for an extended-form EXPLAIN
  std::string estimate_sqlstate_;  // the one error an EXPLAIN request can end with
  std::string estimate_error_;
  std::string estimate_json_;
  struct SyntheticResponse {
    std::string bytes;
    bool ready_for_query = false;  // append ReadyForQuery with the current status
  };
  std::vector<SyntheticResponse> synthetic_;  // indexed by PendingRequest::synthetic
  std::vector<uint32_t> free_synthetic_;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;

  PreparedPtr unnamed_statement_;
  std::unordered_map<std::string, PreparedPtr, StringHash, std::equal_to<>> statements_;
  Portal unnamed_portal_;
  std::unordered_map<std::string, Portal, StringHash, std::equal_to<>> portals_;
  std::vector<ColumnDescription> columns_scratch_;
  bool front_columns_reported_ = false;
};

}  // namespace gh::pg
