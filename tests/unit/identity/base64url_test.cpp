#include "identity/base64url.h"

#include <gtest/gtest.h>

namespace gh::identity {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto enc = base64url_encode(data);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, data);
    data.push_back(static_cast<char>(0xf0 + i));
  }
}

TEST(Base64Url, UsesUrlAlphabet) {
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(*base64url_decode("-_-_"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64Url, RefusesMalformed) {
  EXPECT_FALSE(base64url_decode("YQ=="));  // padding
  EXPECT_FALSE(base64url_decode("YQ="));
  EXPECT_FALSE(base64url_decode("a+b/"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("ab cd"));
  EXPECT_FALSE(base64url_decode(std::string("ab\0d", 4)));
  EXPECT_FALSE(base64url_decode("abcde"));  // 4n+1 characters
  EXPECT_FALSE(base64url_decode("YR"));     // non-zero unused bits: "YQ" is canonical
  EXPECT_TRUE(base64url_decode("YQ"));
  EXPECT_TRUE(base64url_decode(""));
}

}  // namespace
}  // namespace gh::identity
