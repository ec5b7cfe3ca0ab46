#pragma once

// Strict audit durability with group commit per io thread: the sessions that need their
// records on disk before forwarding register here; one sync on the io thread, run after
// every session that became ready in this round has registered, releases them all.

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

 private:
  void flush();

  audit::StreamWriter& writer_;
  asio::any_io_executor ex_;
  std::vector<std::function<void(bool)>> waiters_;
  bool scheduled_ = false;
  static constexpr int kDeferPasses = 2;
  int passes_ = 0;  // times this round's flush was deferred past the reactor
};

}  // namespace gh::pg
