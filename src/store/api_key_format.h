#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/state_store.h"

namespace gh::store {

// A gatehouse API key is `ghk_` followed by 32 random bytes written as exactly 43 base62
// digits (62^43 > 2^256), so it survives shells, URLs and connection strings unquoted.
// Only SHA-256 of the whole key is stored; the first 12 characters are kept for display.
inline constexpr std::string_view kApiKeyPrefix = "ghk_";
inline constexpr size_t kApiKeyRandomBytes = 32;
inline constexpr size_t kApiKeyBodyLength = 43;
inline constexpr size_t kApiKeyLength = kApiKeyPrefix.size() + kApiKeyBodyLength;
inline constexpr size_t kApiKeyDisplayPrefixLength = 12;

// A fresh key from the system's secure random generator.
std::string generate_api_key();
// `bytes` as a big-endian number in exactly 43 base62 digits (0-9A-Za-z), zero-padded.
std::string base62_encode_256(std::span<const uint8_t, kApiKeyRandomBytes> bytes);
// True if `s` has the shape of a key; anything else cannot be one and needs no lookup.
bool looks_like_api_key(std::string_view s);
// Lowercase hex SHA-256 of the whole key: what the store keeps and looks keys up by.
std::string api_key_hash(std::string_view secret);
std::string api_key_display_prefix(std::string_view secret);

// Groups are stored as one comma-separated column; names therefore may not contain commas.
std::string join_groups(const std::vector<std::string>& groups);
std::vector<std::string> split_groups(std::string_view text);

// Invalid (naming the field) if a new key's name, owner or groups cannot be stored.
Status validate_new_api_key(const NewApiKey& req);

}  // namespace gh::store
