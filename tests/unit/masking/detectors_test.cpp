// Detectors: building a set, each detector on real values inside free text and on
// look-alikes, span merging, and masking the spans with each style.

#include <gtest/gtest.h>

#include "masking/detectors.h"
#include "masking_test_util.h"

namespace gh::masking {
namespace {

const std::vector<std::string> kAll = {"credit_card", "us_ssn",         "email", "phone",
                                       "iban",        "aws_access_key", "jwt",   "private_key"};

const DetectorSet& all() {
  static const DetectorSet set = [] {
    auto r = DetectorSet::build(kAll);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return std::move(r).value();
  }();
  return set;
}

// "kind:text" for every span found, or "" when nothing is.
std::string found(std::string_view v, const DetectorSet& set = all()) {
  auto d = set.detect(v);
  if (!d) return "";
  std::string out;
  for (const DetectedSpan& s : d->spans) {
    if (!out.empty()) out += " | ";
    out += std::string(to_string(s.kind)) + ":" +
           std::string(v.substr(s.range.begin, s.range.end - s.range.begin));
  }
  return out;
}

const std::string kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

TEST(DetectorSet, NamesAndErrors) {
  for (const std::string& n : kAll) {
    auto k = detector_from_name(n);
    ASSERT_TRUE(k) << n;
    EXPECT_EQ(to_string(*k), n);
  }
  auto bad = DetectorSet::build(std::vector<std::string>{"email", "passport"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown detector \"passport\" (known: credit_card, us_ssn, email, phone, iban, "
            "aws_access_key, jwt, private_key)");
  auto twice = DetectorSet::build(std::vector<std::string>{"email", "email"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "detector \"email\" is listed twice");
  auto none = DetectorSet::build(std::vector<std::string>{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->detect("4111 1111 1111 1111"));
}

TEST(DetectorSet, OnlyTheChosenDetectorsRun) {
  auto set = DetectorSet::build(std::vector<std::string>{"email"});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(found("4111 1111 1111 1111", *set), "");
  EXPECT_EQ(found("mail alice@example.com", *set), "email:alice@example.com");
}

TEST(Detect, CreditCards) {
  EXPECT_EQ(found("4111111111111111"), "credit_card:4111111111111111");
  EXPECT_EQ(found("paid with 4111 1111 1111 1111, thanks"), "credit_card:4111 1111 1111 1111");
  EXPECT_EQ(found("card:5500-0000-0000-0004"), "credit_card:5500-0000-0000-0004");
  EXPECT_EQ(found("amex 3782 822463 10005"), "credit_card:3782 822463 10005");
  EXPECT_EQ(found("4111111111111111 and 6011111111111117"),
            "credit_card:4111111111111111 | credit_card:6011111111111117");
  // Look-alikes.
  EXPECT_EQ(found("4111111111111112"), "");        // Luhn
  EXPECT_EQ(found("order 1700000000000123"), "");  // no issuer
  EXPECT_EQ(found("ORD4111111111111111"), "");     // part of an identifier
  EXPECT_EQ(found("v4111111111111111"), "");
  EXPECT_EQ(found("41111111111111110000"), "");  // a longer number
  EXPECT_EQ(found("ts 2024-01-15T10:20:30.4111111111111111Z"), "");
}

TEST(Detect, Ssns) {
  EXPECT_EQ(found("123-45-6789"), "us_ssn:123-45-6789");
  EXPECT_EQ(found("SSN: 078 05 1120."), "us_ssn:078 05 1120");
  EXPECT_EQ(found("ssn:123-45-6789"), "us_ssn:123-45-6789");
  EXPECT_EQ(found("000-12-3456"), "");
  EXPECT_EQ(found("666-12-3456"), "");
  EXPECT_EQ(found("912-12-3456"), "");
  EXPECT_EQ(found("123-00-4567"), "");
  EXPECT_EQ(found("123-45-0000"), "");
  EXPECT_EQ(found("123456789"), "");
  EXPECT_EQ(found("2019-123-45-6789"), "");  // inside a longer dashed number
  EXPECT_EQ(found("123-45-67890"), "");
}

TEST(Detect, Emails) {
  EXPECT_EQ(found("contact alice@example.com today"), "email:alice@example.com");
  EXPECT_EQ(found("mailto:bob.smith+x@mail.example.org"), "email:bob.smith+x@mail.example.org");
  EXPECT_EQ(found("<carol@example.co.uk>"), "email:carol@example.co.uk");
  EXPECT_EQ(found("logo@2x.png"), "");
  EXPECT_EQ(found("user@localhost"), "");
  EXPECT_EQ(found("left-pad@1.3.0"), "");
  EXPECT_EQ(found("@handle"), "");
}

TEST(Detect, Phones) {
  EXPECT_EQ(found("call +1 212 555 0123 now"), "phone:+1 212 555 0123");
  EXPECT_EQ(found("+442079460958"), "phone:+442079460958");
  EXPECT_EQ(found("tel (212) 555-0123"), "phone:(212) 555-0123");
  EXPECT_EQ(found("212.555.0123"), "phone:212.555.0123");
  EXPECT_EQ(found("+44 20 7946 0958 ext"), "phone:+44 20 7946 0958");
  EXPECT_EQ(found("2125550123"), "");
  EXPECT_EQ(found("2023-10-15 12:30:45"), "");
  EXPECT_EQ(found("10.212.555.0123"), "");  // dotted quad-ish, not a phone
  EXPECT_EQ(found("v2.212.555.0123"), "");
  EXPECT_EQ(found("total +1234.5678"), "");
  EXPECT_EQ(found("ORD-212-555-0123"), "");
}

TEST(Detect, Ibans) {
  EXPECT_EQ(found("IBAN DE89 3704 0044 0532 0130 00 EUR"), "iban:DE89 3704 0044 0532 0130 00");
  EXPECT_EQ(found("to GB82WEST12345698765432."), "iban:GB82WEST12345698765432");
  EXPECT_EQ(found("DE88370400440532013000"), "");
  EXPECT_EQ(found("XDE89370400440532013000"), "");
  // A false candidate just before a real one does not hide it.
  EXPECT_EQ(found("AB12 DE89 3704 0044 0532 0130 00"), "iban:DE89 3704 0044 0532 0130 00");
}

TEST(Detect, AwsKeysJwtsPrivateKeys) {
  EXPECT_EQ(found("key=AKIAIOSFODNN7EXAMPLE"), "aws_access_key:AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(found("ASIAY34FZKBOKMUTVV7A"), "aws_access_key:ASIAY34FZKBOKMUTVV7A");
  EXPECT_EQ(found("XAKIAIOSFODNN7EXAMPLE"), "");
  EXPECT_EQ(found("AKIAIOSFODNN7EXAMPLE1"), "");
  EXPECT_EQ(found("Authorization: Bearer " + kJwt), "jwt:" + kJwt);
  EXPECT_EQ(found("eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.abc"), "");  // header without alg
  const std::string pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4W"
      "GeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(found("key:\n" + pem + "\ntrailer"), "private_key:" + pem);
  EXPECT_EQ(found("-----BEGIN PRIVATE KEY-----\nMIIEvQ"),
            "private_key:-----BEGIN PRIVATE KEY-----\nMIIEvQ");
  EXPECT_EQ(found("-----BEGIN PUBLIC KEY-----\nMIIBIjAN"), "");
}

TEST(Detect, NothingInOrdinaryText) {
  for (std::string_view v :
       {"", "hello world", "2024-02-29T23:59:59.999999+05:30",
        "550e8400-e29b-41d4-a716-446655440000", "192.168.100.200", "version 10.4.12-beta.3",
        "$1,234,567.89", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "SELECT * FROM customers WHERE id = 42", "Zoë Müller, 東京都千代田区"}) {
    EXPECT_EQ(found(v), "") << v;
  }
}

TEST(Detect, SpansAreSortedAndMerged) {
  auto d = all().detect("a@b.com 123-45-6789 x@y.org");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->spans.size(), 3u);
  EXPECT_EQ(d->kind, DetectorKind::kEmail);
  EXPECT_EQ(d->spans[1].kind, DetectorKind::kUsSsn);
  EXPECT_LT(d->spans[0].range.end, d->spans[1].range.begin);
  EXPECT_LT(d->spans[1].range.end, d->spans[2].range.begin);
}

TEST(MaskDetected, MasksSpansInPlace) {
  const std::string v = "card 4111 1111 1111 1111 for alice@example.com";
  auto d = all().detect(v);
  ASSERT_TRUE(d);
  auto key = testing::test_key();
  std::string out;
  EXPECT_EQ(mask_detected(v, *d, Style::redact(), nullptr, out), Masked::kValue);
  EXPECT_EQ(out, "card **** for ****");
  out.clear();
  mask_detected(v, *d, Style::partial_last(4), nullptr, out);
  EXPECT_EQ(out, "card ***************1111 for *************.com");
  out.clear();
  mask_detected(v, *d, Style::hash(), key.get(), out);
  std::string card, email;
  apply_style(Style::hash(), "4111 1111 1111 1111", key.get(), card);
  apply_style(Style::hash(), "alice@example.com", key.get(), email);
  EXPECT_EQ(out, "card " + card + " for " + email);
  out = "keep";
  EXPECT_EQ(mask_detected(v, *d, Style::null(), nullptr, out), Masked::kNull);
  EXPECT_EQ(out, "keep");
}

TEST(MaskDetected, LargeValueWithManySecrets) {
  std::string v;
  for (int i = 0; i < 2000; ++i) v += "row " + std::to_string(i) + " ssn 123-45-6789; ";
  auto d = all().detect(v);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->spans.size(), 2000u);
  std::string out;
  mask_detected(v, *d, Style::redact(), nullptr, out);
  EXPECT_EQ(out.find("6789"), std::string::npos);
  EXPECT_FALSE(all().detect(out));
}

}  // namespace
}  // namespace gh::masking
