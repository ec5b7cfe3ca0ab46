#pragma once

// One TCP connection, plain or TLS, with the few operations the data path needs.
//
// Plain reads go through Asio's reactor without the speculative recv it would try on a drained
// socket (net/drained_read.h). Writes call send directly and wait only if the kernel buffer is
// full.

#include <openssl/ssl.h>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <string>
#include <string_view>

#include "common/status.h"
#include "net/drained_read.h"

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

 private:
  asio::awaitable<bool> wait_readable();
  asio::awaitable<bool> wait_writable();
  asio::awaitable<Status> handshake(bool server);
  bool fail(std::string msg);

  asio::ip::tcp::socket socket_;
  DrainedReader reader_{socket_};
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string error_;
};

// Last OpenSSL error as text (and clears the queue).
std::string openssl_error();

}  // namespace gh::net
