#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gh::config {

// Parses a duration written with a unit: "500ms", "10s", "5m", "8h", "30d", or a bare "0".
// Any other bare number is rejected so that "30" cannot silently mean seconds in one place
// and milliseconds in another. nullopt on bad syntax or overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Parses a byte size: "1048576", "512B", "1KB", "64MB", "1GB" (1024-based, unit case-
// insensitive). nullopt on bad syntax or overflow.
std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace gh::config
