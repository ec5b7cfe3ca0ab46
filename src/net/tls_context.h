#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace gh::net {

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// Client-facing TLS: TLS 1.2+, the configured certificate chain and key.
Result<SslCtxPtr> make_server_tls(const std::string& cert_file, const std::string& key_file);
// Backend-facing TLS: TLS 1.2+; with `ca_file` the chain is verified against it.
Result<SslCtxPtr> make_client_tls(const std::string& ca_file);

}  // namespace gh::net
