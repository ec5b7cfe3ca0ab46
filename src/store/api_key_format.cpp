#include "store/api_key_format.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"

namespace gh::store {

namespace {

constexpr char kBase62Digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kMaxNameLength = 128;
constexpr size_t kMaxOwnerLength = 256;

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::string base62_encode_256(std::span<const uint8_t, kApiKeyRandomBytes> bytes) {
  // Schoolbook division of the 256-bit number by 62, least significant digit first.
  std::array<uint8_t, kApiKeyRandomBytes> n;
  std::copy(bytes.begin(), bytes.end(), n.begin());
  std::string out(kApiKeyBodyLength, '0');
  for (size_t i = 0; i < kApiKeyBodyLength; ++i) {
    uint32_t rem = 0;
    for (uint8_t& b : n) {
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 62);
      rem = cur % 62;
    }
    out[kApiKeyBodyLength - 1 - i] = kBase62Digits[rem];
  }
  return out;
}

std::string generate_api_key() {
  std::array<uint8_t, kApiKeyRandomBytes> raw;
  crypto::random_bytes(raw);
  std::string key(kApiKeyPrefix);
  key += base62_encode_256(raw);
  std::fill(raw.begin(), raw.end(), 0);
  return key;
}

bool looks_like_api_key(std::string_view s) {
  return s.size() == kApiKeyLength && s.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix &&
         std::all_of(s.begin() + kApiKeyPrefix.size(), s.end(), is_base62);
}

std::string api_key_hash(std::string_view secret) { return crypto::to_hex(crypto::sha256(secret)); }

std::string api_key_display_prefix(std::string_view secret) {
  return std::string(secret.substr(0, kApiKeyDisplayPrefixLength));
}

std::string join_groups(const std::vector<std::string>& groups) {
  std::string out;
  for (const auto& g : groups) {
    if (!out.empty()) out += ',';
    out += g;
  }
  return out;
}

std::vector<std::string> split_groups(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view g = text.substr(0, comma);
    if (!g.empty()) out.emplace_back(g);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Status validate_new_api_key(const NewApiKey& req) {
  if (req.name.empty()) return Status::Invalid("api key name must not be empty");
  if (req.name.size() > kMaxNameLength) {
    return Status::Invalid("api key name is longer than 128 characters");
  }
  if (req.name.front() == '-') return Status::Invalid("api key name must not start with '-'");
  bool name_ok = std::all_of(req.name.begin(), req.name.end(), [](char c) {
    return is_base62(c) || c == '_' || c == '.' || c == '-' || c == '@';
  });
  if (!name_ok) {
    return Status::Invalid("api key name may contain only letters, digits, '_', '.', '-', '@'");
  }
  if (req.owner.size() > kMaxOwnerLength || has_control_char(req.owner)) {
    return Status::Invalid("api key owner must be at most 256 printable characters");
  }
  for (const auto& g : req.groups) {
    if (g.empty() || g.size() > kMaxNameLength || has_control_char(g) ||
        g.find_first_of(", ") != std::string::npos) {
      return Status::Invalid("group '" + g +
                             "' is not valid: 1-128 characters without commas or spaces");
    }
  }
  return Status::Ok();
}

}  // namespace gh::store
