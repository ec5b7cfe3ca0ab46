#include "net/tls_context.h"

#include "net/conn.h"

namespace gh::net {

Result<SslCtxPtr> make_server_tls(const std::string& cert_file, const std::string& key_file) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Status::Internal("TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1)
    return Status::Invalid("TLS certificate " + cert_file + ": " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::Invalid("TLS key " + key_file + ": " + openssl_error());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return Status::Invalid("TLS key " + key_file + " does not match certificate " + cert_file);
  return ctx;
}

Result<SslCtxPtr> make_client_tls(const std::string& ca_file) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Status::Internal("TLS: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  if (!ca_file.empty() && SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
    return Status::Invalid("TLS CA file " + ca_file + ": " + openssl_error());
  return ctx;
}

}  // namespace gh::net
