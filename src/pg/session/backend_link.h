#pragma once

// Opening the real server connection for a session: TCP connect with a deadline,
// optional TLS (disable | require | verify-full), StartupMessage with the allowed
// client parameters, and the password exchange (SCRAM-SHA-256, MD5, cleartext).

#include <openssl/ssl.h>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/byte_buffer.h"
#include "common/status.h"
#include "config/config.h"
#include "net/conn.h"

namespace gh::pg {

struct BackendLink {
  std::unique_ptr<net::Conn> conn;
  ByteBuffer buffer;  // bytes read past the startup phase (normally none)
  uint32_t pid = 0;
  uint32_t secret = 0;
  std::string parameter_status;  // ParameterStatus messages as received, to replay
  char tx_status = 'I';
};

struct BackendTarget {
  const config::Connection* connection = nullptr;
  // Who to log in as: a static login of the connection, or a session's ephemeral role.
  config::BackendCredential login;
  SSL_CTX* tls = nullptr;                                   // for require / verify-full
  std::vector<std::pair<std::string, std::string>> params;  // already filtered
};

// Status::Unavailable: the server could not be reached (refused, timeout, TLS not
// offered when required). Status::Denied: it refused our login. The messages are for
// the log; they contain no secret.
asio::awaitable<Result<BackendLink>> open_backend(asio::any_io_executor ex,
                                                  const BackendTarget& target);

// Sends a CancelRequest to the server for backend `pid`/`secret` (plain TCP, as
// PostgreSQL accepts it before any TLS or authentication).
asio::awaitable<void> send_backend_cancel(asio::any_io_executor ex, const config::Connection& c,
                                          uint32_t pid, uint32_t secret);

}  // namespace gh::pg
