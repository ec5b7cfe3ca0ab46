#include "sql/nesting_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "scan_oracle.h"

namespace gh::sql {
namespace {

using testing::oracle_estimate;
using testing::scan_tokens;

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

int estimate(const std::string& sql, int limit = 1 << 20) {
  NestingScan scan;
  return scan.estimate(sql, limit);
}

TEST(NestingScan, CountsParenthesesBracketsAndCase) {
  EXPECT_EQ(estimate("select 1"), 0);
  EXPECT_EQ(estimate("select ((1))"), 2);
  EXPECT_EQ(estimate("select f(g(1), h(2))"), 2);
  EXPECT_EQ(estimate("select array[[1]]"), 2);
  EXPECT_EQ(estimate("select case when a then case when b then 1 end end"), 2);
}

TEST(NestingScan, CountsOperatorChainsThatHaveNoParentheses) {
  EXPECT_EQ(estimate("select 1" + repeat("+1", 50)), 50);
  EXPECT_EQ(estimate("select x" + repeat("::int", 40)), 40);
  EXPECT_EQ(estimate("select 1" + repeat(" union select 1", 30)), 30);
  EXPECT_EQ(estimate("select " + repeat("not ", 20) + "true"), 20);
}

TEST(NestingScan, CommasAndAndOrEndAnExpression) {
  // Each select item and each AND operand is a separate subtree.
  EXPECT_EQ(estimate("select " + repeat("1+1, ", 100) + "1"), 1);
  EXPECT_EQ(estimate("select 1 where " + repeat("a = 1 and ", 200) + "b = 2"), 2);
  // ... but not a set-operation chain, whose arms have commas of their own.
  EXPECT_EQ(estimate(repeat("select 1, 2 union ", 30) + "select 1, 2"), 30);
}

TEST(NestingScan, IgnoresWhatTheLexerHides) {
  EXPECT_EQ(estimate("select '((((' -- ((((\n /* (( /* (( */ (( */ 1"), 0);
  EXPECT_EQ(estimate("select $$((($$, $a$ $$ (( $a$, \"((\", E'\\'((', U&'((', B'1'"), 0);
  EXPECT_EQ(estimate("select 'a'\n'(('"), 0);         // quote continuation
  EXPECT_EQ(estimate("select E'\\''\n'\\'((('"), 0);  // continuation stays an E'' string
  EXPECT_EQ(estimate("select 'a' '(' "), 0);
  EXPECT_EQ(estimate("select a$$ ((1))"), 2);   // a$$ is an identifier, not a dollar quote
  EXPECT_EQ(estimate("select $1 ((1))"), 2);    // a parameter, not a dollar quote
  EXPECT_EQ(estimate("select '\\' ((1))"), 2);  // no backslash escapes in standard strings
}

TEST(NestingScan, StopsAtTheLimit) {
  NestingScan scan;
  const std::string deep = "select " + repeat("(", 100000) + "1" + repeat(")", 100000);
  EXPECT_EQ(scan.estimate(deep, 1000), 1001);
  EXPECT_EQ(scan.estimate("select 1" + repeat("+1", 100000), 1000), 1001);
}

// The estimate from our lexer is never below the one from libpg_query's own tokens: if it were,
// text hidden from us (a string we thought open, a comment we thought closed) could carry a
// deep tree past the check. Hand-written edge cases first, then random strings built from the
// characters that change lexer state.
TEST(NestingScan, NeverBelowTheEstimateFromPostgresTokens) {
  const char* cases[] = {
      "select (1)",
      "select E'\\'' , ((1))",
      "select e'\\\\' , ((1))",
      "select U&'\\' , ((1))",
      "select U&\"a\" ((1))",
      "select $a$ ' $a$ ((1))",
      "select $a$ $b$ $a$ ((1))",
      "select $_$ $_$ ((1))",
      "select $1$$ ((1)) $$",
      "select x$y$ ((1))",
      "select 'a' -- c\n 'b' ((1))",
      "select 'a' /* c */ 'b' ((1))",
      "select E'a'\n'\\'' ((1))",
      "E''--\n'\\'(",  // found by the fuzzer: libpg_query ends the literal at a comment
      "select E'a' \n -- c\n'\\' , ((1))",
      "select B'01''01' ((1))",
      "select N'a' ((1))",
      "select 1.5e+3 ((1))",
      "select .1.e+1 ((1))",
      "select .5 ((1))",
      "select 1 +-/**/ ((1))",
      "select 1 +--\n ((1))",
      "select 1 =- 1 ((1))",
      "select case when true then (1) end end ((1))",
      "select 1 as \"end\", ((1))",
  };
  for (const char* c : cases) {
    auto tokens = scan_tokens(c);
    ASSERT_TRUE(tokens.has_value()) << c;
    EXPECT_GE(estimate(c), oracle_estimate(*tokens)) << c;
  }

  const std::string pieces[] = {"(",  ")",    "'",    "\"",   "$",   "$$",  "$a$",   "$1", "e'",
                                "E'", "U&'",  "u&\"", "\\",   "--",  "/*",  "*/",    "\n", " ",
                                "a",  "1",    "_",    ",",    "+",   "-",   "::",    ".",  ";",
                                "[",  "]",    "case", "end",  "not", "and", "union", "x'", "b'",
                                "1e", "'\n'", "E''",  "--\n", "\\'"};
  std::mt19937 rng(20240521);
  std::uniform_int_distribution<size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> length(1, 30);
  int compared = 0, equal = 0;
  for (int i = 0; i < 60000; ++i) {
    std::string sql;
    for (int n = length(rng); n > 0; --n) sql += pieces[pick(rng)];
    auto tokens = scan_tokens(sql);
    if (!tokens) continue;  // the scanner refused it: the parser will too, no tree to print
    ++compared;
    int mine = estimate(sql), theirs = oracle_estimate(*tokens);
    ASSERT_GE(mine, theirs) << "sql: " << sql;
    equal += mine == theirs;
  }
  EXPECT_GT(compared, 5000);
  EXPECT_GT(equal, compared * 9 / 10);  // and it is close: we do not over-count much
}

}  // namespace
}  // namespace gh::sql
