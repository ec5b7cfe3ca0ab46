#pragma once

// Strict audit durability with group commit per io thread: the sessions that need their
// records on disk before forwarding register here; one sync request per round (made
// after every session that became ready in the round has registered) releases them
// all. One round is in flight at a time; the io thread keeps relaying meanwhile.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "audit/writer.h"

namespace gh::pg {

class GroupCommit {
 public:
  GroupCommit(audit::StreamWriter& writer, asio::any_io_executor ex)
      : writer_(writer), ex_(std::move(ex)) {}

  // Resumes when everything appended up to `seq` is durable; false if it cannot be.
  asio::awaitable<bool> wait(uint64_t seq);

  uint64_t syncs() const { return syncs_; }

 private:
  void flush();

  audit::StreamWriter& writer_;
  asio::any_io_executor ex_;
  std::vector<std::function<void(bool)>> waiters_;
  bool scheduled_ = false;
  bool in_flight_ = false;  // a sync requested from the syncer has not come back yet
  uint64_t syncs_ = 0;
};

}  // namespace gh::pg
