#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::credentials {

// PostgreSQL's default SCRAM parameters (scram-common.h).
inline constexpr int kScramIterations = 4096;
inline constexpr size_t kScramSaltBytes = 16;

// The SCRAM-SHA-256 secret exactly as PostgreSQL stores it in pg_authid.rolpassword:
//   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
// (RFC 5802/7677). CREATE ROLE ... PASSWORD '<this>' stores it as is, so the cleartext never
// reaches the server, its logs or pg_authid.
// PostgreSQL SASLpreps the password first; that is the identity for printable ASCII, the
// only kind accepted here (generated passwords are hex).
Result<std::string> scram_sha256_verifier(std::string_view password, std::span<const uint8_t> salt,
                                          int iterations = kScramIterations);

}  // namespace gh::credentials
