#pragma once

// DataRow builders and readers for the masking tests, written independently of the
// rewriter so the tests are a second opinion on the wire format.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "masking/hash_key.h"

namespace gh::masking::testing {

using Row = std::vector<std::optional<std::string>>;

inline void put_be(std::string& out, uint32_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline std::string data_row_body(const Row& row) {
  std::string b;
  put_be(b, static_cast<uint32_t>(row.size()), 2);
  for (const auto& v : row) {
    if (!v) {
      put_be(b, 0xFFFFFFFFu, 4);
    } else {
      put_be(b, static_cast<uint32_t>(v->size()), 4);
      b += *v;
    }
  }
  return b;
}

inline uint32_t get_be(std::string_view s, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Parses a whole DataRow message ('D', length, body); fails the test on any inconsistency.
inline Row parse_data_row_message(std::string_view msg) {
  Row row;
  EXPECT_GE(msg.size(), 7u);
  if (msg.size() < 7) return row;
  EXPECT_EQ(msg[0], 'D');
  EXPECT_EQ(get_be(msg, 1, 4), msg.size() - 1);
  const uint32_t n = get_be(msg, 5, 2);
  size_t pos = 7;
  for (uint32_t i = 0; i < n; ++i) {
    EXPECT_LE(pos + 4, msg.size());
    if (pos + 4 > msg.size()) return row;
    const auto len = static_cast<int32_t>(get_be(msg, pos, 4));
    pos += 4;
    if (len < 0) {
      EXPECT_EQ(len, -1);
      row.emplace_back(std::nullopt);
      continue;
    }
    EXPECT_LE(pos + static_cast<size_t>(len), msg.size());
    if (pos + static_cast<size_t>(len) > msg.size()) return row;
    row.emplace_back(std::string(msg.substr(pos, static_cast<size_t>(len))));
    pos += static_cast<size_t>(len);
  }
  EXPECT_EQ(pos, msg.size());
  return row;
}

inline std::unique_ptr<HashKey> test_key(std::string_view k = "gatehouse test masking key") {
  auto r = HashKey::create(k);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

}  // namespace gh::masking::testing
