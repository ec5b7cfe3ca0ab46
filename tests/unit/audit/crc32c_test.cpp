#include "audit/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace gh::audit::crc32c {
namespace {

// Vectors from RFC 3720 (iSCSI) B.4 and the usual check value.
TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(value("123456789"), 0xE3069283u);
  EXPECT_EQ(value(""), 0u);
  std::string zeros(32, '\0');
  EXPECT_EQ(value(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(value(ones), 0x62A8AB43u);
  std::string up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(value(up), 0x46DD794Eu);
  EXPECT_EQ(value(down), 0x113FDB5Cu);
}

TEST(Crc32c, PortableAndHardwareAgreeAtEveryLengthAndAlignment) {
  std::string data(300, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  for (size_t off = 0; off < 9; ++off) {
    for (size_t n = 0; n + off <= data.size(); n += 7) {
      ASSERT_EQ(extend(0, data.data() + off, n), extend_portable(0, data.data() + off, n))
          << off << " " << n;
    }
  }
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t c = extend(0, s.data(), cut);
    EXPECT_EQ(extend(c, s.data() + cut, s.size() - cut), value(s));
  }
}

TEST(Crc32c, ReportsHardwareOnThisMachine) {
  // Informational: the benchmark figure depends on it.
  std::printf("crc32c hardware acceleration: %s\n", hardware_accelerated() ? "yes" : "no");
}

}  // namespace
}  // namespace gh::audit::crc32c
