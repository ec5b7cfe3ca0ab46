#include "credentials/sql_quote.h"

#include <gtest/gtest.h>

namespace gh::credentials {
namespace {

TEST(QuoteIdentifier, AlwaysDoubleQuotesAndDoublesQuotes) {
  EXPECT_EQ(*quote_identifier("app_ro"), "\"app_ro\"");
  EXPECT_EQ(*quote_identifier("App Reader"), "\"App Reader\"");
  EXPECT_EQ(*quote_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(*quote_identifier("x\"; DROP ROLE postgres; --"), "\"x\"\"; DROP ROLE postgres; --\"");
  EXPECT_EQ(*quote_identifier("\""), "\"\"\"\"");
  EXPECT_EQ(*quote_identifier("r\xc3\xb4le"), "\"r\xc3\xb4le\"");  // UTF-8 passes through
}

TEST(QuoteIdentifier, RefusesWhatTheServerWouldMangle) {
  EXPECT_EQ(quote_identifier("").status().code(), Status::Code::kInvalid);
  EXPECT_EQ(quote_identifier(std::string("a\0b", 3)).status().message(),
            "role name contains a NUL byte");
  EXPECT_TRUE(quote_identifier(std::string(63, 'a')).ok());
  auto long_name = quote_identifier(std::string(64, 'a'));
  ASSERT_FALSE(long_name.ok());
  EXPECT_EQ(long_name.status().message(), "role name is longer than 63 bytes");
}

TEST(QuoteLiteral, DoublesSingleQuotes) {
  EXPECT_EQ(*quote_literal(""), "''");
  EXPECT_EQ(*quote_literal("abc"), "'abc'");
  EXPECT_EQ(*quote_literal("it's"), "'it''s'");
  EXPECT_EQ(*quote_literal("'; DROP ROLE x; --"), "'''; DROP ROLE x; --'");
  EXPECT_EQ(*quote_literal("SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f="),
            "'SCRAM-SHA-256$4096:c2FsdA==$a+b/c=:d+e/f='");
}

TEST(QuoteLiteral, BackslashesUseTheEscapeStringForm) {
  EXPECT_EQ(*quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(*quote_literal("\\'"), "E'\\\\'''");
  // Without E'', a server with standard_conforming_strings=off would read \' as a quote.
  EXPECT_EQ(*quote_literal("x\\' OR 1=1"), "E'x\\\\'' OR 1=1'");
}

TEST(QuoteLiteral, RefusesNul) {
  auto q = quote_literal(std::string("a\0b", 3));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(), "SQL literal contains a NUL byte");
}

}  // namespace
}  // namespace gh::credentials
