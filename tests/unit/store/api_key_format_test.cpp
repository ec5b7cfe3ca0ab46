#include "store/api_key_format.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "common/crypto.h"

namespace gh::store {
namespace {

TEST(StoreApiKeyFormatTest, GeneratedKeysHaveTheDocumentedShape) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string k = generate_api_key();
    EXPECT_EQ(k.size(), 47u);
    EXPECT_EQ(k.rfind("ghk_", 0), 0u);
    EXPECT_TRUE(looks_like_api_key(k)) << k;
    EXPECT_TRUE(seen.insert(k).second);
  }
}

TEST(StoreApiKeyFormatTest, Base62CoversTheWholeRange) {
  std::array<uint8_t, 32> zero{};
  EXPECT_EQ(base62_encode_256(zero), std::string(43, '0'));
  std::array<uint8_t, 32> one{};
  one[31] = 1;
  EXPECT_EQ(base62_encode_256(one), std::string(42, '0') + "1");
  std::array<uint8_t, 32> v{};
  v[31] = 62;  // "10" in base 62
  EXPECT_EQ(base62_encode_256(v), std::string(41, '0') + "10");
  v[31] = 61;
  EXPECT_EQ(base62_encode_256(v), std::string(42, '0') + "z");
  // 2^256 - 1 still fits in 43 digits.
  std::array<uint8_t, 32> max;
  max.fill(0xff);
  std::string m = base62_encode_256(max);
  EXPECT_EQ(m.size(), 43u);
  EXPECT_NE(m[0], '0');
  EXPECT_EQ(m, "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");
}

TEST(StoreApiKeyFormatTest, LooksLikeApiKey) {
  std::string good = "ghk_" + std::string(43, 'a');
  EXPECT_TRUE(looks_like_api_key(good));
  EXPECT_FALSE(looks_like_api_key(""));
  EXPECT_FALSE(looks_like_api_key("ghk_" + std::string(42, 'a')));
  EXPECT_FALSE(looks_like_api_key("ghk_" + std::string(44, 'a')));
  EXPECT_FALSE(looks_like_api_key("ghx_" + std::string(43, 'a')));
  EXPECT_FALSE(looks_like_api_key("ghk_" + std::string(42, 'a') + "-"));
  EXPECT_FALSE(looks_like_api_key("eyJhbGciOiJSUzI1NiJ9.e30.sig"));
}

TEST(StoreApiKeyFormatTest, HashAndPrefix) {
  std::string k = "ghk_" + std::string(43, 'Q');
  EXPECT_EQ(api_key_hash(k), crypto::to_hex(crypto::sha256(k)));
  EXPECT_EQ(api_key_hash(k).size(), 64u);
  EXPECT_EQ(api_key_display_prefix(k), "ghk_QQQQQQQQ");
}

TEST(StoreApiKeyFormatTest, Groups) {
  EXPECT_EQ(join_groups({}), "");
  EXPECT_EQ(join_groups({"a", "b.c"}), "a,b.c");
  EXPECT_EQ(split_groups(""), std::vector<std::string>{});
  EXPECT_EQ(split_groups("a,b.c"), (std::vector<std::string>{"a", "b.c"}));
  EXPECT_EQ(split_groups(",a,,b,"), (std::vector<std::string>{"a", "b"}));
}

TEST(StoreApiKeyFormatTest, Validation) {
  EXPECT_TRUE(validate_new_api_key({"ci-bot.prod@team", "", {"a", "b"}, {}}).ok());
  EXPECT_EQ(validate_new_api_key({"", "", {}, {}}).message(), "api key name must not be empty");
  EXPECT_EQ(validate_new_api_key({"has space", "", {}, {}}).message(),
            "api key name may contain only letters, digits, '_', '.', '-', '@'");
  EXPECT_EQ(validate_new_api_key({"-x", "", {}, {}}).message(),
            "api key name must not start with '-'");
  EXPECT_EQ(validate_new_api_key({std::string(129, 'a'), "", {}, {}}).message(),
            "api key name is longer than 128 characters");
  EXPECT_EQ(validate_new_api_key({"a", "x\ny", {}, {}}).message(),
            "api key owner must be at most 256 printable characters");
  EXPECT_EQ(validate_new_api_key({"a", "", {"a,b"}, {}}).message(),
            "group 'a,b' is not valid: 1-128 characters without commas or spaces");
  EXPECT_EQ(validate_new_api_key({"a", "", {""}, {}}).code(), Status::Code::kInvalid);
}

}  // namespace
}  // namespace gh::store
