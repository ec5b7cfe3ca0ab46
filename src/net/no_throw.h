#pragma once

// Completion token for the data path: errors come back as values, never as
// exceptions (use_awaitable alone throws on EOF).

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace gh::net {

inline constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace gh::net
