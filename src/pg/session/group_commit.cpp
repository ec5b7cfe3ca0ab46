#include "pg/session/group_commit.h"

#include <asio/post.hpp>

#include "net/no_throw.h"

namespace gh::pg {

asio::awaitable<bool> GroupCommit::wait(uint64_t seq) {
  if (writer_.durable_seq() >= seq) co_return true;
  auto [ec] = co_await asio::async_initiate<decltype(net::kNoThrow), void(std::error_code)>(
      [this](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        waiters_.push_back([h](bool ok) {
          (*h)(ok ? std::error_code() : std::make_error_code(std::errc::io_error));
        });
        if (!scheduled_) {
          scheduled_ = true;
          // Runs after the handlers already queued: every session that got data in this
          // round registers first.
          asio::post(ex_, [this] { flush(); });
        }
      },
      net::kNoThrow);
  co_return !ec;
}

void GroupCommit::flush() {
  if (passes_ < kDeferPasses) {
    // Let the reactor run again first, so sessions whose queries are arriving right now
    // join this round (bigger groups, fewer syncs).
    ++passes_;
    asio::post(ex_, [this] { flush(); });
    return;
  }
  passes_ = 0;
  scheduled_ = false;
  std::vector<std::function<void(bool)>> waiting;
  waiting.swap(waiters_);
  // On the io thread itself: msync of the new pages takes ~0.1 ms here, less than a hop
  // to another thread on a busy machine.
  bool ok = writer_.sync_now();
  for (auto& w : waiting) {
    asio::post(ex_, [w = std::move(w), ok] { w(ok); });
  }
}

}  // namespace gh::pg
