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
  scheduled_ = false;
  if (in_flight_ || waiters_.empty()) return;  // the round in flight takes the next ones
  // One sync per round, on the stream's syncer thread: the io thread keeps relaying for
  // other sessions meanwhile, and whoever asks during this sync joins the next round.
  in_flight_ = true;
  auto waiting = std::make_shared<std::vector<std::function<void(bool)>>>();
  waiting->swap(waiters_);
  uint64_t seq = writer_.last_seq();
  ++syncs_;
  writer_.request_sync(seq, [this, waiting, ex = ex_](bool ok) {
    asio::post(ex, [this, waiting, ok] {
      in_flight_ = false;
      for (auto& w : *waiting) w(ok);
      if (!waiters_.empty() && !scheduled_) {
        scheduled_ = true;
        asio::post(ex_, [this] { flush(); });
      }
    });
  });
}

}  // namespace gh::pg
