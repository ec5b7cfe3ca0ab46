#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "identity/algorithm.h"

namespace gh::identity {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// One verification key from a JWKS. `algorithms` is what the key permits, derived from the
// JWK alone (kty, crv and, if present, alg): a token may only be verified with one of these.
struct Jwk {
  std::string kid;  // may be empty
  AlgorithmSet algorithms = 0;
  EvpPkeyPtr key;
};

// A parsed JWKS document (RFC 7517). Keys gatehouse cannot use (unknown kty or crv, "use"
// other than "sig", encryption algs, RSA under 2048 bits, HMAC "oct" keys) are skipped and
// counted; a document that is not a JSON object with a "keys" array, or a supported key
// with broken parameters, is refused with Status::Invalid naming the key.
class Jwks {
 public:
  static constexpr size_t kMaxDocumentBytes = 1 << 20;
  static constexpr size_t kMaxKeys = 256;
  static constexpr int kMinRsaBits = 2048;

  static Result<Jwks> parse(std::string_view json);

  // The key for a token's kid. A token without kid matches only a JWKS of exactly one key.
  const Jwk* find(std::string_view kid) const;
  size_t size() const { return keys_.size(); }
  size_t skipped() const { return skipped_; }
  const std::vector<Jwk>& keys() const { return keys_; }

 private:
  std::vector<Jwk> keys_;
  size_t skipped_ = 0;
};

}  // namespace gh::identity
