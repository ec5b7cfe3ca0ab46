#pragma once

// Awaiting work done on another thread that reports through a callback (the identity
// fetch thread, the ephemeral-role worker): the coroutine resumes on its own executor.

#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <utility>

namespace gh::pg {

// `start(done)` must call `done(value)` exactly once, on any thread.
template <typename T>
asio::awaitable<T> await_callback(std::function<void(std::function<void(T)>)> start) {
  auto ex = co_await asio::this_coro::executor;
  auto initiate = [start = std::move(start), ex](auto handler) mutable {
    using Handler = decltype(handler);
    auto h = std::make_shared<Handler>(std::move(handler));
    start([h, ex](T value) {
      asio::post(ex, [h, v = std::move(value)]() mutable { (*h)(std::move(v)); });
    });
  };
  T result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      std::move(initiate), asio::use_awaitable);
  co_return result;
}

}  // namespace gh::pg
