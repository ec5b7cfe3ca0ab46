#include "net/conn.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include "net/no_throw.h"
#include <asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>

namespace gh::net {

namespace {
using gh::net::kNoThrow;
}  // namespace

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Conn::Conn(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  fd_ = socket_.native_handle();
}

Conn::~Conn() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void Conn::close() {
  asio::error_code ec;
  socket_.close(ec);
}

bool Conn::fail(std::string msg) {
  if (error_.empty()) error_ = std::move(msg);
  close();
  return false;
}

asio::awaitable<bool> Conn::wait_readable() {
  auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kNoThrow);
  if (ec) co_return fail(ec == asio::error::operation_aborted ? "closed" : ec.message());
  co_return true;
}

asio::awaitable<bool> Conn::wait_writable() {
  auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, kNoThrow);
  if (ec) co_return fail(ec == asio::error::operation_aborted ? "closed" : ec.message());
  co_return true;
}

asio::awaitable<long> Conn::read_some(char* buf, size_t cap) {
  if (!socket_.is_open()) co_return -1;
  if (ssl_ == nullptr) {
    auto [ec, n] = co_await reader_.async_read_some(buf, cap, kNoThrow);
    if (!ec) co_return static_cast<long>(n);
    if (ec == asio::error::eof) co_return 0;
    fail(ec == asio::error::operation_aborted ? "closed" : ec.message());
    co_return -1;
  }
  while (true) {
    ERR_clear_error();
    int n = SSL_read(ssl_, buf, static_cast<int>(cap > (1u << 30) ? (1u << 30) : cap));
    if (n > 0) co_return n;
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ) {
      if (!co_await wait_readable()) co_return -1;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!co_await wait_writable()) co_return -1;
    } else if (err == SSL_ERROR_ZERO_RETURN) {
      co_return 0;
    } else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      // Peer closed without close_notify: treat as end of stream.
      co_return 0;
    } else {
      fail("TLS: " + openssl_error());
      co_return -1;
    }
  }
}

asio::awaitable<bool> Conn::write_all(std::string_view data) {
  if (!socket_.is_open()) co_return false;
  while (!data.empty()) {
    if (ssl_ == nullptr) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!co_await wait_writable()) co_return false;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      co_return fail(n == 0 ? "connection closed" : std::strerror(errno));
    }
    ERR_clear_error();
    int n = SSL_write(ssl_, data.data(),
                      static_cast<int>(data.size() > (1u << 30) ? (1u << 30) : data.size()));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_WRITE) {
      if (!co_await wait_writable()) co_return false;
    } else if (err == SSL_ERROR_WANT_READ) {
      if (!co_await wait_readable()) co_return false;
    } else {
      co_return fail("TLS: " + openssl_error());
    }
  }
  co_return true;
}

asio::awaitable<Status> Conn::tls_accept(SSL_CTX* ctx) {
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr) co_return Status::Internal("TLS: " + openssl_error());
  SSL_set_fd(ssl_, fd_);
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  Status st = co_await handshake(true);
  co_return st;
}

asio::awaitable<Status> Conn::handshake(bool server) {
  while (true) {
    ERR_clear_error();
    int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (r == 1) co_return Status::Ok();
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) {
      if (!co_await wait_readable()) co_return Status::Io("TLS handshake: " + error_);
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!co_await wait_writable()) co_return Status::Io("TLS handshake: " + error_);
    } else {
      std::string why = openssl_error();
      long vr = SSL_get_verify_result(ssl_);
      if (!server && vr != X509_V_OK)
        why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(vr);
      close();
      co_return Status::Denied("TLS handshake failed: " + why);
    }
  }
}

asio::awaitable<Status> Conn::tls_connect(SSL_CTX* ctx, const std::string& verify_host) {
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr) co_return Status::Internal("TLS: " + openssl_error());
  SSL_set_fd(ssl_, fd_);
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!verify_host.empty()) {
    SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool is_ip = X509_VERIFY_PARAM_set1_ip_asc(param, verify_host.c_str()) == 1;
    if (!is_ip) {
      X509_VERIFY_PARAM_set1_host(param, verify_host.c_str(), 0);
      SSL_set_tlsext_host_name(ssl_, verify_host.c_str());
    }
  } else {
    SSL_set_verify(ssl_, SSL_VERIFY_NONE, nullptr);
  }
  Status st = co_await handshake(false);
  co_return st;
}

}  // namespace gh::net
