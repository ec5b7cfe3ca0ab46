#include "identity/algorithm.h"

#include <array>
#include <utility>

namespace gh::identity {
namespace {

constexpr std::array<std::pair<std::string_view, JwsAlgorithm>, 7> kNames = {{
    {"RS256", JwsAlgorithm::kRS256},
    {"RS384", JwsAlgorithm::kRS384},
    {"RS512", JwsAlgorithm::kRS512},
    {"PS256", JwsAlgorithm::kPS256},
    {"ES256", JwsAlgorithm::kES256},
    {"ES384", JwsAlgorithm::kES384},
    {"EdDSA", JwsAlgorithm::kEdDSA},
}};

}  // namespace

std::optional<JwsAlgorithm> parse_algorithm(std::string_view name) {
  for (const auto& [n, a] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::string_view algorithm_name(JwsAlgorithm a) {
  for (const auto& [n, v] : kNames) {
    if (v == a) return n;
  }
  return "?";
}

}  // namespace gh::identity
