#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gh::identity {

// base64url without padding (RFC 7515 section 2). Decoding is strict: '=' padding, characters
// outside the url-safe alphabet, a length of 4n+1 and non-zero unused trailing bits are all
// refused, so every byte string has exactly one accepted encoding (no signature malleability).
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::span<const unsigned char> bytes);
inline std::string base64url_encode(std::string_view s) {
  return base64url_encode({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}

}  // namespace gh::identity
