#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pg/protocol/messages.h"

namespace gh::pg {

// What a client message is waiting for from the server.
enum class RequestKind : uint8_t {
  kQuery,         // simple Query: results..., ReadyForQuery
  kParse,         // ParseComplete
  kBind,          // BindComplete
  kDescribe,      // [ParameterDescription] RowDescription | NoData
  kExecute,       // DataRow... CommandComplete | EmptyQuery | PortalSuspended | Copy...
  kClose,         // CloseComplete
  kSync,          // ReadyForQuery
  kFunctionCall,  // FunctionCallResponse, ReadyForQuery
  kSynthetic,     // answered by the gateway itself when it reaches the front
  // A refused Execute inside a transaction block, replaced by a Query that fails on the
  // server (so its transaction fails as it would have): ErrorResponse, then a
  // ReadyForQuery the client never asked for, which is dropped.
  kInjectedQuery,
  // EXPLAIN (FORMAT JSON) sent by the gateway for a hook's cost estimate, before the client's
  // statement; none of its responses reach the client. Simple form (a Query): results, then
  // ReadyForQuery. Extended form (Parse/Bind/Execute/Close of the gateway's own statement, no
  // Sync): ends at CloseComplete or at an ErrorResponse.
  kEstimate,
  // A Query of the gateway's own (the masking hook reading the catalog), sent only while
  // nothing else is outstanding: results, then ReadyForQuery; none of it reaches the client.
  kInternal,
};

// The columns of a result, from a RowDescription the server sent for a statement or
// portal. `columns` view into `body`; a shape is immutable once built.
struct RowShape {
  std::string body;
  std::vector<ColumnDescription> columns;
  bool no_data = false;  // the server answered NoData: the statement returns no rows
};
using RowShapePtr = std::shared_ptr<const RowShape>;

// The plain part of a pending request: what is still needed after it left the queue.
struct RequestCore {
  RequestKind kind;
  uint64_t statement_id;
  int64_t started_ns;
  uint32_t synthetic;
};

struct PendingRequest {
  RequestKind kind = RequestKind::kSync;
  uint64_t statement_id = 0;  // kQuery / kExecute: the statement it runs; else 0
  int64_t started_ns = 0;     // steady clock, for durations
  uint32_t synthetic = 0;     // kSynthetic: index of its response in the tracker
  // kDescribe: 'S' or 'P' and the name described (where the answer's shape belongs);
  // kExecute: the portal's shape, reported to the hooks with its first result.
  // kEstimate: 'Q' (simple form) or 'X' (extended form).
  char describe_kind = 0;
  std::string describe_name;
  RowShapePtr shape;
  // kExecute, with a result filter: the Bind's result-format codes (raw int16s), and whether
  // the shape is still to come from a Describe of the portal ahead of it in the queue
  // (`describe_name` is then the portal). kDescribe: sent by the gateway itself, so its answer
  // does not reach the client.
  std::string result_formats;
  bool shape_pending = false;
  bool hidden = false;

  RequestCore core() const { return {kind, statement_id, started_ns, synthetic}; }

  static PendingRequest of(RequestKind kind, uint64_t statement_id, int64_t started_ns,
                           uint32_t synthetic = 0) {
    PendingRequest r;
    r.kind = kind;
    r.statement_id = statement_id;
    r.started_ns = started_ns;
    r.synthetic = synthetic;
    return r;
  }
};

// FIFO of outstanding requests: a ring that grows by doubling and never shrinks, so a
// session allocates nothing per message once warm.
class RequestQueue {
 public:
  RequestQueue() : ring_(16) {}

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  PendingRequest& front() { return ring_[head_]; }
  const PendingRequest& front() const { return ring_[head_]; }

  PendingRequest& back() { return ring_[(head_ + size_ - 1) & (ring_.size() - 1)]; }

  void push(PendingRequest r) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) & (ring_.size() - 1)] = std::move(r);
    ++size_;
  }
  // The i-th request from the front.
  PendingRequest& at(size_t i) { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  // Puts `r` just before the last request.
  void push_before_back(PendingRequest r) {
    push(std::move(r));
    std::swap(at(size_ - 1), at(size_ - 2));
  }

  void pop() {
    ring_[head_].shape.reset();  // release what the slot holds
    ring_[head_].shape_pending = ring_[head_].hidden = false;
    ring_[head_].result_formats.clear();
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
  }
  void clear() {
    while (size_ > 0) pop();
    head_ = 0;
  }

 private:
  void grow() {
    std::vector<PendingRequest> n(ring_.size() * 2);
    for (size_t i = 0; i < size_; ++i) n[i] = std::move(ring_[(head_ + i) & (ring_.size() - 1)]);
    ring_.swap(n);
    head_ = 0;
  }
  std::vector<PendingRequest> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace gh::pg
