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

// `start(done)` must call `done(value)` exactly once, on any thread. Pass a named local:
// g++ 12 mishandles class-type temporaries built in a co_await expression.
template <typename T>
asio::awaitable<T> await_callback(const std::function<void(std::function<void(T)>)>& start) {
  asio::any_io_executor ex = co_await asio::this_coro::executor;
  // The initiation captures only pointers to this frame's locals: g++ 12 destroys an
  // initiation's captures twice when it goes through async_initiate's coroutine, which is
  // harmless only for trivially destructible ones.
  auto initiate = [s = &start, e = &ex](auto handler) {
    using Handler = decltype(handler);
    auto h = std::make_shared<Handler>(std::move(handler));
    asio::any_io_executor target = *e;
    (*s)([h, target](T value) {
      asio::post(target, [h, v = std::move(value)]() mutable { (*h)(std::move(v)); });
    });
  };
  T result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      initiate, asio::use_awaitable);
  co_return result;
}

}  // namespace gh::pg
