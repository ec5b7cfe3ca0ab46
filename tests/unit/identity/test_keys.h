#pragma once

// Signing keys and login tokens for the key-cache and authenticator tests (ES256: fast to
// generate).

#include <chrono>
#include <string>

#include "identity_test_util.h"

namespace gh::identity::test {

struct SigningKey {
  EvpPkeyPtr key;
  std::string kid;
  std::string jwk() const { return jwk_json(key.get(), kid, "ES256"); }
};

inline SigningKey make_signing_key(const std::string& kid) {
  return {generate_key(JwsAlgorithm::kES256), kid};
}

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A token from `issuer` for audience "gatehouse", valid for an hour from now, signed with
// `key` and naming `kid` (which may differ from the key's, to make unknown kids).
inline std::string login_token(const SigningKey& key, const std::string& issuer,
                               const std::string& kid = "") {
  int64_t now = unix_now();
  std::string header =
      R"({"alg":"ES256","typ":"JWT","kid":")" + (kid.empty() ? key.kid : kid) + "\"}";
  std::string claims = R"({"iss":")" + issuer + R"(","aud":"gatehouse","sub":"agent-7",)" +
                       R"("groups":["data-agents"],"iat":)" + std::to_string(now - 5) +
                       ",\"exp\":" + std::to_string(now + 3600) + "}";
  return make_token(header, claims, "ES256", key.key.get());
}

}  // namespace gh::identity::test
