#include "credentials/scram_verifier.h"

#include <openssl/crypto.h>

#include "common/crypto.h"

namespace gh::credentials {

namespace {

std::string_view as_view(const crypto::Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

Result<std::string> scram_sha256_verifier(std::string_view password, std::span<const uint8_t> salt,
                                          int iterations) {
  if (password.empty()) return Status::Invalid("empty password");
  for (char c : password) {
    if (c < 0x20 || c > 0x7e) {
      return Status::Invalid("password must be printable ASCII (no SASLprep here)");
    }
  }
  if (salt.empty()) return Status::Invalid("empty SCRAM salt");
  if (iterations < 1) return Status::Invalid("SCRAM iteration count must be positive");

  std::string_view salt_view(reinterpret_cast<const char*>(salt.data()), salt.size());
  crypto::Sha256Digest salted = crypto::pbkdf2_sha256(password, salt_view, iterations);
  crypto::Sha256Digest client_key = crypto::hmac_sha256(as_view(salted), "Client Key");
  crypto::Sha256Digest stored_key = crypto::sha256(as_view(client_key));
  crypto::Sha256Digest server_key = crypto::hmac_sha256(as_view(salted), "Server Key");

  std::string out = "SCRAM-SHA-256$" + std::to_string(iterations) + ":" +
                    crypto::base64_encode(salt) + "$" + crypto::base64_encode(stored_key) + ":" +
                    crypto::base64_encode(server_key);
  // The salted password and client key are password equivalents: do not leave them around.
  OPENSSL_cleanse(salted.data(), salted.size());
  OPENSSL_cleanse(client_key.data(), client_key.size());
  return out;
}

}  // namespace gh::credentials
