// Masking styles: spec parsing and its errors, redact, partial over UTF-8, hash tokens
// (keyed, stable, equal to HMAC-SHA256 computed independently) and null.

#include <gtest/gtest.h>

#include <set>

#include "common/crypto.h"
#include "masking/style.h"
#include "masking_test_util.h"

namespace gh::masking {
namespace {

using testing::test_key;

std::string masked(const Style& s, std::string_view v, const HashKey* key = nullptr) {
  std::string out = "prefix|";
  EXPECT_EQ(apply_style(s, v, key, out), Masked::kValue);
  return out.substr(7);
}

std::string error_of(std::string_view spec) {
  auto r = parse_style(spec);
  EXPECT_FALSE(r.ok()) << spec;
  return r.ok() ? "" : r.status().message();
}

TEST(StyleParse, AcceptedForms) {
  EXPECT_EQ(*parse_style("redact"), Style::redact());
  EXPECT_EQ(*parse_style("hash"), Style::hash());
  EXPECT_EQ(*parse_style("null"), Style::null());
  EXPECT_EQ(*parse_style("partial(first=2)"), Style::partial_first(2));
  EXPECT_EQ(*parse_style("partial(last=4)"), Style::partial_last(4));
  EXPECT_EQ(*parse_style("  partial ( last = 4 )  "), Style::partial_last(4));
  EXPECT_EQ(*parse_style("partial(last=1000)"), Style::partial_last(1000));
  EXPECT_EQ(parse_style(" redact\t")->kind, StyleKind::kRedact);
}

TEST(StyleParse, RoundTripsThroughToString) {
  for (const Style& s : {Style::redact(), Style::hash(), Style::null(), Style::partial_first(3),
                         Style::partial_last(4)}) {
    auto back = parse_style(to_string(s));
    ASSERT_TRUE(back.ok()) << to_string(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(to_string(Style::partial_last(4)), "partial(last=4)");
}

TEST(StyleParse, ClearErrors) {
  EXPECT_EQ(error_of(""),
            "empty masking style: expected redact, partial(first=N), partial(last=N), hash or "
            "null");
  EXPECT_EQ(error_of("scramble"),
            "invalid masking style \"scramble\": unknown style; expected redact, "
            "partial(first=N), partial(last=N), hash or null");
  EXPECT_EQ(error_of("partial"),
            "invalid masking style \"partial\": partial needs first=N or last=N, e.g. "
            "partial(last=4)");
  EXPECT_EQ(error_of("partial()"),
            "invalid masking style \"partial()\": partial needs first=N or last=N, e.g. "
            "partial(last=4)");
  EXPECT_EQ(error_of("partial(middle=2)"),
            "invalid masking style \"partial(middle=2)\": partial takes first=N or last=N, not "
            "\"middle\"");
  EXPECT_EQ(error_of("partial(last=0)"),
            "invalid masking style \"partial(last=0)\": N must be a whole number from 1 to "
            "1000, got \"0\"");
  EXPECT_EQ(error_of("partial(last=-1)"),
            "invalid masking style \"partial(last=-1)\": N must be a whole number from 1 to "
            "1000, got \"-1\"");
  EXPECT_NE(error_of("partial(last=4x)").find("got \"4x\""), std::string::npos);
  EXPECT_NE(error_of("partial(last=)").find("got \"\""), std::string::npos);
  EXPECT_NE(error_of("partial(last=1001)").find("from 1 to 1000"), std::string::npos);
  EXPECT_NE(error_of("partial(last=99999999999)").find("from 1 to 1000"), std::string::npos);
  EXPECT_EQ(error_of("partial(last=4"),
            "invalid masking style \"partial(last=4\": missing ')' after partial(...");
  EXPECT_EQ(error_of("hash(sha1)"),
            "invalid masking style \"hash(sha1)\": hash takes no arguments");
  EXPECT_NE(error_of("REDACT").find("unknown style"), std::string::npos);
}

TEST(StyleApply, RedactIsAFixedMarker) {
  EXPECT_EQ(masked(Style::redact(), "123-45-6789"), "****");
  EXPECT_EQ(masked(Style::redact(), ""), "****");
  EXPECT_EQ(masked(Style::redact(), std::string(10000, 'x')), "****");
  EXPECT_EQ(kRedactedMarker, "****");
}

TEST(StyleApply, PartialKeepsFirstOrLastCharacters) {
  EXPECT_EQ(masked(Style::partial_last(4), "123-45-6789"), "*******6789");
  EXPECT_EQ(masked(Style::partial_first(2), "alice@example.com"), "al***************");
  EXPECT_EQ(masked(Style::partial_last(4), "4111111111111111"), "************1111");
  EXPECT_EQ(masked(Style::partial_last(4), ""), "");
}

TEST(StyleApply, PartialNeverShowsMoreThanHalf) {
  EXPECT_EQ(masked(Style::partial_last(4), "12345"), "***45");
  EXPECT_EQ(masked(Style::partial_last(4), "1234"), "**34");
  EXPECT_EQ(masked(Style::partial_first(4), "abc"), "a**");
  EXPECT_EQ(masked(Style::partial_first(1), "a"), "*");
  EXPECT_EQ(masked(Style::partial_last(4), "12345678"), "****5678");
}

TEST(StyleApply, PartialCountsUtf8CodePoints) {
  // "Zoë Müller": ë and ü are two bytes each; kept or masked whole.
  EXPECT_EQ(masked(Style::partial_first(3), "Zoë Müller"), "Zoë*******");
  EXPECT_EQ(masked(Style::partial_last(5), "Zoë Müller"), "*****üller");
  // Three-byte CJK and a four-byte emoji.
  EXPECT_EQ(masked(Style::partial_last(2), "東京都千代田"), "****代田");
  EXPECT_EQ(masked(Style::partial_first(1), "😀😀😀"), "😀**");
  EXPECT_EQ(masked(Style::partial_last(1), "ab😀"), "**😀");
  EXPECT_EQ(count_chars("Zoë Müller"), 10u);
  EXPECT_EQ(count_chars("😀"), 1u);
}

TEST(StyleApply, PartialWalksInvalidUtf8ByteByByte) {
  // A lone continuation byte, a truncated sequence, an overlong form and a surrogate.
  EXPECT_EQ(count_chars("\x80"), 1u);
  EXPECT_EQ(count_chars("a\xE6\x97"), 3u);
  EXPECT_EQ(count_chars("\xC0\xAF"), 2u);
  EXPECT_EQ(count_chars("\xED\xA0\x80"), 3u);
  EXPECT_EQ(masked(Style::partial_first(2), "ab\xE6\x97"), "ab**");
  const std::string out = masked(Style::partial_last(2), "\xE6\x97xyz\xE6\x97");
  EXPECT_EQ(out, "*****\xE6\x97");  // a truncated sequence: two "characters"
}

TEST(StyleApply, NullAppendsNothing) {
  std::string out = "x";
  EXPECT_EQ(apply_style(Style::null(), "secret", nullptr, out), Masked::kNull);
  EXPECT_EQ(out, "x");
}

TEST(StyleApply, HashIsAStableKeyedToken) {
  auto key = test_key();
  const std::string a = masked(Style::hash(), "alice@example.com", key.get());
  EXPECT_EQ(a.size(), 22u);
  EXPECT_EQ(a.substr(0, 2), "h:");
  for (char c : a.substr(2)) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) << a;
  }
  EXPECT_EQ(masked(Style::hash(), "alice@example.com", key.get()), a);
  EXPECT_NE(masked(Style::hash(), "alice@example.co", key.get()), a);
  auto other = test_key("another key");
  EXPECT_NE(masked(Style::hash(), "alice@example.com", other.get()), a);
  EXPECT_NE(a.find_first_not_of("h:a"), std::string::npos);
}

TEST(StyleApply, HashTokenIsBase32OfHmacSha256) {
  for (std::string k : {std::string("k"), std::string(64, 'q'), std::string(200, 'z')}) {
    auto key = test_key(k);
    for (std::string v :
         {std::string(), std::string("x"), std::string("123-45-6789"), std::string(1000, 'v')}) {
      const auto d = crypto::hmac_sha256(k, v);
      EXPECT_EQ(key->mac(v), HashKey::Digest(d)) << k.size() << " " << v.size();
      // Independent base32 of the first 12 bytes.
      std::string bits;
      for (int i = 0; i < 12; ++i) {
        for (int b = 7; b >= 0; --b) bits.push_back(((d[i] >> b) & 1) ? '1' : '0');
      }
      while (bits.size() % 5) bits.push_back('0');
      std::string expect = "h:";
      for (size_t i = 0; i < bits.size(); i += 5) {
        expect.push_back(
            "abcdefghijklmnopqrstuvwxyz234567"[std::stoi(bits.substr(i, 5), nullptr, 2)]);
      }
      EXPECT_EQ(masked(Style::hash(), v, key.get()), expect);
    }
  }
}

TEST(StyleApply, HashTokensDoNotCollideOnSimilarValues) {
  auto key = test_key();
  std::set<std::string> tokens;
  for (int i = 0; i < 10000; ++i)
    tokens.insert(masked(Style::hash(), std::to_string(i), key.get()));
  EXPECT_EQ(tokens.size(), 10000u);
}

TEST(StyleApply, HashWithoutKeyRedacts) {
  EXPECT_EQ(masked(Style::hash(), "secret", nullptr), "****");
}

TEST(HashKey, EmptyKeyIsRefused) {
  auto r = HashKey::create("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "the masking hash key is empty");
}

TEST(Style, DerivedValuesAreRedactedWhole) {
  EXPECT_EQ(derived_style(Style::partial_last(4)), Style::redact());
  EXPECT_EQ(derived_style(Style::hash()), Style::redact());
  EXPECT_EQ(derived_style(Style::redact()), Style::redact());
  EXPECT_EQ(derived_style(Style::null()), Style::null());
}

}  // namespace
}  // namespace gh::masking
