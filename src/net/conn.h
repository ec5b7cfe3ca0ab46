#pragma once

// One TCP connection, plain or TLS, with the few operations the data path needs.
//
// Reads and writes call recv/send (or SSL_read/SSL_write) directly on the non-blocking
// socket and suspend on readiness only when the kernel has nothing: one syscall per
// read or write in the common case. After a short read with no suspension since, the
// socket is known to be drained, so the next read waits for readiness first instead of
// making a recv that would only say EAGAIN.

#include <openssl/ssl.h>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::net {

class Conn {
 public:
  explicit Conn(asio::ip::tcp::socket socket);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  asio::ip::tcp::socket& socket() { return socket_; }
  bool is_tls() const { return ssl_ != nullptr; }
  bool is_open() const { return socket_.is_open(); }
  const std::string& error() const { return error_; }

  // Reads 1..cap bytes. Returns the count, 0 at end of stream, -1 on error (see error()).
  asio::awaitable<long> read_some(char* buf, size_t cap);
  // Writes everything. False on error (see error()); the connection is then closed,
  // since a partial write leaves the stream unusable.
  asio::awaitable<bool> write_all(std::string_view data);

  // Server side of TLS after the client's SSLRequest was answered with 'S'.
  asio::awaitable<Status> tls_accept(SSL_CTX* ctx);
  // Client side of TLS after the server answered our SSLRequest with 'S'.
  // `verify_host` non-empty = check the certificate chain and that name.
  asio::awaitable<Status> tls_connect(SSL_CTX* ctx, const std::string& verify_host);

  // Any read or write in flight completes with an error.
  void close();
  // Counts suspensions on this thread; code that suspends other than through a Conn
  // calls this so that no read skips its recv on stale knowledge.
  static void note_suspension();

 private:
  asio::awaitable<bool> wait_readable();
  asio::awaitable<bool> wait_writable();
  bool fail(std::string msg);

  asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  // The thread's suspension count at our last short read; equal now = still drained.
  uint64_t drained_at_ = ~uint64_t{0};
  std::string error_;
};

// Last OpenSSL error as text (and clears the queue).
std::string openssl_error();

}  // namespace gh::net
