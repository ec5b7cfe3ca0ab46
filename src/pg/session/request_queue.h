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
  void pop() {
    ring_[head_].shape.reset();  // release what the slot holds
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
