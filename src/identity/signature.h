#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "identity/algorithm.h"

namespace gh::identity {

// Verifies a JWS signature over `signing_input` with OpenSSL EVP. `signature` is the decoded
// JWS signature: PKCS#1 v1.5 or PSS bytes for RSA, raw r||s for ECDSA (converted to DER here),
// 64 raw bytes for Ed25519. The caller has already checked that `key` permits `alg`; this
// also refuses a key whose type does not fit the algorithm. False on any failure.
bool verify_signature(JwsAlgorithm alg, EVP_PKEY* key, std::string_view signing_input,
                      std::string_view signature);

}  // namespace gh::identity
