#pragma once

// Client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL uses it, and the
// MD5 password response. Pure functions over bytes: no sockets.
//
// Everything the server sends is validated as strictly as libpq does (attribute order,
// no trailing attributes, nonce prefix, base64, iteration range) and the server
// signature is compared in constant time. The password is used as given: PostgreSQL
// applies SASLprep, which is the identity for ASCII and for NFKC-normalised text, so
// only passwords with unnormalised or mapped Unicode characters would differ.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::pg {

class ScramClient {
 public:
  // PostgreSQL accepts at most this many PBKDF2 iterations from a server
  // (scram_iterations is an int; we bound it so a hostile server cannot stall a thread
  // for long).
  static constexpr uint32_t kMaxIterations = 10'000'000;

  // `nonce` empty = generate 18 random bytes, base64. Tests pass a fixed nonce, which
  // must be printable ASCII without ','.
  // `user` is empty for PostgreSQL (it takes the user from the startup packet); other
  // values exist for the RFC test vectors and are escaped (',' -> "=2C", '=' -> "=3D").
  explicit ScramClient(std::string password, std::string nonce = {}, std::string user = {});
  ~ScramClient();
  ScramClient(const ScramClient&) = delete;
  ScramClient& operator=(const ScramClient&) = delete;

  // The client-first-message, with the GS2 header "n,," (no channel binding) and an
  // empty user name (PostgreSQL takes the user from the startup packet).
  const std::string& client_first() const { return client_first_; }

  // Lowers the accepted iteration count (1..n); for callers that must bound CPU per
  // handshake, and for fuzzing.
  void set_max_iterations(uint32_t n) { max_iterations_ = n; }

  // Takes server-first-message (r=…,s=…,i=…); returns client-final-message.
  // Invalid if the server nonce does not extend ours, the salt is not base64, or the
  // iteration count is missing or out of range. Callable once.
  Result<std::string> handle_server_first(std::string_view server_first);

  // Checks server-final-message (v=…): Denied on a wrong server signature or e=…;
  // Invalid if malformed or if handle_server_first has not succeeded.
  Status verify_server_final(std::string_view server_final) const;

 private:
  enum class State { kStart, kWaitServerFinal, kFailed };

  State state_ = State::kStart;
  uint32_t max_iterations_ = kMaxIterations;
  std::string password_;
  std::string client_nonce_;
  std::string client_first_bare_;
  std::string client_first_;
  std::string server_signature_;  // expected v=, raw 32 bytes
};

// "md5" + md5hex(md5hex(password + user) + salt) — the reply to AuthenticationMD5Password.
std::string md5_password_response(std::string_view user, std::string_view password,
                                  std::string_view salt4);

}  // namespace gh::pg
