#pragma once

// The key of the `hash` masking style. HMAC-SHA256 with the key's inner and outer pads
// absorbed once, up front: hashing a value then costs two struct copies and two short
// SHA-256 updates, no key schedule and no allocation.
//
// The key comes from the caller (the config's secret reference). It must stay the same
// across restarts and replicas, or tokens stop matching between result sets.

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"

namespace gh::masking {

class HashKey {
 public:
  using Digest = std::array<uint8_t, 32>;

  // Fails on an empty key (a keyless hash of a low-entropy value is a lookup table away
  // from the value) or if OpenSSL cannot provide SHA-256.
  static Result<std::unique_ptr<HashKey>> create(std::string_view key);
  ~HashKey();
  HashKey(const HashKey&) = delete;
  HashKey& operator=(const HashKey&) = delete;

  // HMAC-SHA256(key, value). Safe to call from several threads at once.
  Digest mac(std::string_view value) const;

 private:
  HashKey() = default;
  struct Contexts;
  std::unique_ptr<Contexts> ctx_;
};

}  // namespace gh::masking
