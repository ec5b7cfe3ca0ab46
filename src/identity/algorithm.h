#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gh::identity {

// The JWS algorithms gatehouse verifies. `none` and the HMAC family are deliberately absent:
// a verifier holding only public keys must never treat key bytes as a shared secret.
enum class JwsAlgorithm : uint8_t { kRS256, kRS384, kRS512, kPS256, kES256, kES384, kEdDSA };

// A set of algorithms, one bit per JwsAlgorithm; what a key permits.
using AlgorithmSet = uint8_t;
constexpr AlgorithmSet algorithm_bit(JwsAlgorithm a) {
  return static_cast<AlgorithmSet>(1u << static_cast<unsigned>(a));
}
constexpr AlgorithmSet kRsaAlgorithms =
    algorithm_bit(JwsAlgorithm::kRS256) | algorithm_bit(JwsAlgorithm::kRS384) |
    algorithm_bit(JwsAlgorithm::kRS512) | algorithm_bit(JwsAlgorithm::kPS256);

std::optional<JwsAlgorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(JwsAlgorithm a);

}  // namespace gh::identity
