#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gh::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// Cryptographically secure random bytes (OpenSSL RAND_bytes). Aborts if the
// generator cannot be seeded: continuing would hand out guessable secrets.
void random_bytes(std::span<uint8_t> out);
uint32_t random_u32();

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
// PBKDF2-HMAC-SHA256 with one 32-byte output block (SCRAM's Hi()).
Sha256Digest pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations);
// Hex of MD5(data), 32 lowercase characters.
std::string md5_hex(std::string_view data);

std::string to_hex(std::span<const uint8_t> bytes);
std::string base64_encode(std::span<const uint8_t> bytes);
inline std::string base64_encode(std::string_view s) {
  return base64_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
// Standard alphabet with padding; nullopt on any invalid character or length.
std::optional<std::string> base64_decode(std::string_view text);

// Comparison whose time does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace gh::crypto
