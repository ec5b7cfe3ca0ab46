#include "config/units.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace gh::config {

namespace {

// Splits "123unit" into its number and its unit; nullopt without leading digits.
std::optional<std::pair<uint64_t, std::string_view>> split_number(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  if (ec != std::errc() || end != text.data() + digits) return std::nullopt;
  return std::pair{n, text.substr(digits)};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [n, unit] = *parts;
  int64_t factor = 0;
  if (unit.empty()) {
    if (n != 0) return std::nullopt;
    factor = 1;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "m") {
    factor = int64_t{60} * 1000;
  } else if (unit == "h") {
    factor = int64_t{3600} * 1000;
  } else if (unit == "d") {
    factor = int64_t{86400} * 1000;
  } else {
    return std::nullopt;
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / factor)) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(n) * factor);
}

std::optional<uint64_t> parse_size(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [n, unit] = *parts;
  uint64_t factor = 0;
  if (unit.empty() || iequals(unit, "B")) {
    factor = 1;
  } else if (iequals(unit, "KB")) {
    factor = uint64_t{1} << 10;
  } else if (iequals(unit, "MB")) {
    factor = uint64_t{1} << 20;
  } else if (iequals(unit, "GB")) {
    factor = uint64_t{1} << 30;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<uint64_t>::max() / factor) return std::nullopt;
  return n * factor;
}

}  // namespace gh::config
