#include "common/text.h"

#include <gtest/gtest.h>

namespace gh {
namespace {

TEST(Text, PrintableEscapesControlCharacters) {
  EXPECT_EQ(printable("a\tb"), "a\tb");
  EXPECT_EQ(printable("a\nb\x1b[2J\x7f"), "a\\x0ab\\x1b[2J\\x7f");
  EXPECT_EQ(printable("a\nb", /*keep_newlines=*/true), "a\nb");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes
}

TEST(Text, SplitList) {
  EXPECT_EQ(split_list("a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_list(" , "), std::vector<std::string>{});
  EXPECT_EQ(split_list("one"), std::vector<std::string>{"one"});
}

}  // namespace
}  // namespace gh
