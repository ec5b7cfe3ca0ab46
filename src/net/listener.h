#pragma once

#include <asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/io_threads.h"

namespace gh::net {

// Accepts on one address from every io thread: one SO_REUSEPORT acceptor per thread,
// so the kernel spreads connections and a connection never changes threads.
class Listener {
 public:
  using OnAccept = std::function<void(asio::ip::tcp::socket)>;

  // Binds now (so a bad address or a port in use is reported before serving).
  static Result<std::unique_ptr<Listener>> bind(IoThreads& threads, const std::string& host,
                                                uint16_t port, OnAccept on_accept);
  // Starts accepting on every thread.
  void start();
  void close();
  uint16_t port() const { return port_; }

 private:
  Listener() = default;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  OnAccept on_accept_;
  uint16_t port_ = 0;
};

}  // namespace gh::net
