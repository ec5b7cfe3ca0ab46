#pragma once

#include <cstdint>
#include <vector>

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
};

struct PendingRequest {
  RequestKind kind;
  uint64_t statement_id;  // kQuery / kExecute: the statement it runs; else 0
  int64_t started_ns;     // steady clock, for durations
  uint32_t synthetic = 0; // kSynthetic: index of its response in the tracker
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

  void push(const PendingRequest& r) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) & (ring_.size() - 1)] = r;
    ++size_;
  }
  void pop() {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<PendingRequest> n(ring_.size() * 2);
    for (size_t i = 0; i < size_; ++i) n[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(n);
    head_ = 0;
  }
  std::vector<PendingRequest> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace gh::pg
