#include "credentials/valid_until.h"

#include <gtest/gtest.h>

namespace gh::credentials {
namespace {

TEST(FormatValidUntil, IsUtcIso8601WithExplicitOffset) {
  EXPECT_EQ(format_valid_until(0), "1970-01-01T00:00:00+00");
  EXPECT_EQ(format_valid_until(1714566896), "2024-05-01T12:34:56+00");
  EXPECT_EQ(format_valid_until(951782400), "2000-02-29T00:00:00+00");  // leap day
  EXPECT_EQ(format_valid_until(4102444799), "2099-12-31T23:59:59+00");
}

TEST(FormatValidUntil, IgnoresTheProcessTimeZone) {
  setenv("TZ", "America/New_York", 1);
  tzset();
  EXPECT_EQ(format_valid_until(1714566896), "2024-05-01T12:34:56+00");
  unsetenv("TZ");
  tzset();
}

TEST(ParseValidUntil, ReadsPostgresTimestamptzOutput) {
  EXPECT_EQ(parse_valid_until("2024-05-01 12:34:56+00"), 1714566896);
  EXPECT_EQ(parse_valid_until("2024-05-01 12:34:56.789+00"), 1714566896);
  EXPECT_EQ(parse_valid_until("2024-05-01 14:34:56+02"), 1714566896);
  EXPECT_EQ(parse_valid_until("2024-05-01 07:04:56-05:30"), 1714566896);
  EXPECT_EQ(parse_valid_until("2024-05-01 12:34:56+00:00:00"), 1714566896);
  EXPECT_EQ(parse_valid_until("1969-12-31 23:59:59+00"), -1);
}

TEST(ParseValidUntil, RoundTripsItsOwnFormat) {
  for (int64_t t : {int64_t{0}, int64_t{1714566896}, int64_t{951782400}, int64_t{4102444799}}) {
    EXPECT_EQ(parse_valid_until(format_valid_until(t)), t);
  }
}

TEST(ParseValidUntil, Infinities) {
  EXPECT_EQ(parse_valid_until("infinity"), kValidForever);
  EXPECT_EQ(parse_valid_until("-infinity"), kValidNever);
}

TEST(ParseValidUntil, AnythingElseIsUnreadable) {
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01 12:34:56", "2024-05-01 12:34:56Z", "2024-13-01 12:34:56+00",
        "2024-02-30 12:34:56+00", "2024-05-01 24:00:00+00", "0044-03-15 12:00:00+00 BC",
        "12345-01-01 00:00:00+00", "2024-05-01 12:34:56.+00", "2024-05-01 12:34:56+0",
        "Wed May 01 12:34:56 2024 UTC", "2024-05-01 12:34:56+00x", "Infinity"}) {
    EXPECT_EQ(parse_valid_until(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace gh::credentials
