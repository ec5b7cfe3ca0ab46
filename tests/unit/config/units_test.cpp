#include "config/units.h"

#include <gtest/gtest.h>

namespace gh::config {
namespace {

using std::chrono::milliseconds;

TEST(ConfigUnitsTest, ParseDurationUnits) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("10s"), milliseconds(10'000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(parse_duration("8h"), milliseconds(8 * 3'600'000));
  EXPECT_EQ(parse_duration("30d"), milliseconds(30LL * 86'400'000));
}

TEST(ConfigUnitsTest, ParseDurationRejects) {
  for (const char* bad : {"", "10", "s", "10S", "10 s", " 10s", "10s ", "-1s", "+1s", "1.5s",
                          "10sec", "1ms5", "999999999999999999d", "99999999999999999999"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(ConfigUnitsTest, ParseSizeUnits) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("1KB"), 1024u);
  EXPECT_EQ(parse_size("64MB"), 64u << 20);
  EXPECT_EQ(parse_size("64mb"), 64u << 20);
  EXPECT_EQ(parse_size("1GB"), 1u << 30);
}

TEST(ConfigUnitsTest, ParseSizeRejects) {
  for (const char* bad : {"", "MB", "1 MB", "1.5MB", "-1", "1TB", "1K", "1MiB",
                          "99999999999999999999", "18446744073709551615GB"}) {
    EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace gh::config
