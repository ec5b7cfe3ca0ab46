#include "net/listener.h"

#include <sys/socket.h>

#include "net/no_throw.h"
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

namespace gh::net {

namespace {

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor,
                                  const Listener::OnAccept& on_accept) {
  while (acceptor.is_open()) {
    auto [ec, sock] = co_await acceptor.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors and similar: log, pause briefly, keep serving.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(kNoThrow);
      continue;
    }
    on_accept(std::move(sock));
  }
}

}  // namespace

Result<std::unique_ptr<Listener>> Listener::bind(IoThreads& threads, const std::string& host,
                                                 uint16_t port, OnAccept on_accept) {
  std::unique_ptr<Listener> l(new Listener());
  l->on_accept_ = std::move(on_accept);
  asio::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Status::Invalid("listen address '" + host + "' is not an IP address");
  asio::ip::tcp::endpoint ep(addr, port);
  for (int i = 0; i < threads.size(); ++i) {
    auto a = std::make_unique<asio::ip::tcp::acceptor>(threads.context(i));
    a->open(ep.protocol(), ec);
    if (ec) return Status::Io("listen: " + ec.message());
    a->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    int one = 1;
    ::setsockopt(a->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    a->bind(ep, ec);
    if (ec) return Status::Io("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                              ec.message());
    if (i == 0 && port == 0) {
      // Port 0: every thread binds the port the kernel chose for the first.
      ep.port(a->local_endpoint().port());
    }
    a->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::Io("listen: " + ec.message());
    l->acceptors_.push_back(std::move(a));
  }
  l->port_ = ep.port();
  return l;
}

void Listener::start() {
  for (auto& a : acceptors_)
    asio::co_spawn(a->get_executor(), accept_loop(*a, on_accept_), asio::detached);
}

void Listener::close() {
  for (auto& a : acceptors_) {
    asio::post(a->get_executor(), [acc = a.get()] {
      asio::error_code ec;
      acc->close(ec);
    });
  }
}

}  // namespace gh::net
