#include "common/crypto.h"

#include <gtest/gtest.h>

namespace gh::crypto {
namespace {

TEST(Base64, RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\x01\xff\x00z"}) {
    auto enc = base64_encode(s);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
}

TEST(Base64, RejectsMisplacedPadding) {
  EXPECT_FALSE(base64_decode("A=BC").has_value());
  EXPECT_FALSE(base64_decode("AB=C").has_value());
  EXPECT_FALSE(base64_decode("A===").has_value());
  EXPECT_FALSE(base64_decode("ABC").has_value());
  EXPECT_FALSE(base64_decode("AB C").has_value());
  EXPECT_EQ(*base64_decode("QUI="), "AB");
  EXPECT_EQ(*base64_decode("QQ=="), "A");
}

TEST(Hex, Digest) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(ConstantTime, Equal) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace gh::crypto
