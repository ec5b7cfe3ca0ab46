// Validators: each accepts the real thing and turns away its look-alikes.

#include <gtest/gtest.h>

#include "masking/validators.h"

namespace gh::masking {
namespace {

std::optional<std::string> card_in(std::string_view run) {
  auto r = find_card_in_run(run);
  if (!r) return std::nullopt;
  return std::string(run.substr(r->begin, r->end - r->begin));
}

std::optional<std::string> iban_in(std::string_view text) {
  auto r = find_iban(text);
  if (!r) return std::nullopt;
  EXPECT_EQ(r->begin, 0u);
  return std::string(text.substr(0, r->end));
}

TEST(Luhn, KnownNumbers) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_TRUE(luhn_valid("4111 1111 1111 1111"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
}

TEST(CardIssuer, PrefixesAndLengths) {
  EXPECT_TRUE(card_issuer_valid("4111111111111111"));      // Visa 16
  EXPECT_TRUE(card_issuer_valid("4222222222222"));         // Visa 13
  EXPECT_TRUE(card_issuer_valid("5500000000000004"));      // Mastercard
  EXPECT_TRUE(card_issuer_valid("2221000000000009"));      // Mastercard 2-series
  EXPECT_TRUE(card_issuer_valid("378282246310005"));       // Amex 15
  EXPECT_TRUE(card_issuer_valid("6011111111111117"));      // Discover
  EXPECT_TRUE(card_issuer_valid("3530111333300000"));      // JCB
  EXPECT_TRUE(card_issuer_valid("30569309025904"));        // Diners 14
  EXPECT_TRUE(card_issuer_valid("6200000000000005"));      // UnionPay
  EXPECT_FALSE(card_issuer_valid("41111111111111"));       // Visa has no 14-digit numbers
  EXPECT_FALSE(card_issuer_valid("5500000000000004000"));  // Mastercard is 16
  EXPECT_FALSE(card_issuer_valid("3782822463100050"));     // Amex is 15
  EXPECT_FALSE(card_issuer_valid("1700000000000"));        // epoch milliseconds
  EXPECT_FALSE(card_issuer_valid("9999999999999999"));
  EXPECT_FALSE(card_issuer_valid("411111111111"));          // too short
  EXPECT_FALSE(card_issuer_valid("41111111111111111111"));  // too long
}

TEST(CardInRun, Layouts) {
  EXPECT_EQ(card_in("4111111111111111"), "4111111111111111");
  EXPECT_EQ(card_in("4111 1111 1111 1111"), "4111 1111 1111 1111");
  EXPECT_EQ(card_in("4111-1111-1111-1111"), "4111-1111-1111-1111");
  EXPECT_EQ(card_in("3782 822463 10005"), "3782 822463 10005");
  EXPECT_EQ(card_in("378282246310005"), "378282246310005");
  // A card followed by more numbers in the same run; one preceded by a short group.
  EXPECT_EQ(card_in("4111 1111 1111 1111 2024"), "4111 1111 1111 1111");
  EXPECT_EQ(card_in("12 4111 1111 1111 1111"), "4111 1111 1111 1111");
}

TEST(CardInRun, LookAlikes) {
  EXPECT_EQ(card_in("4111 1111-1111 1111"), std::nullopt);      // mixed separators
  EXPECT_EQ(card_in("41 11 11 11 11 11 11 11"), std::nullopt);  // not a card layout
  EXPECT_EQ(card_in("4111111111111112"), std::nullopt);         // Luhn
  EXPECT_EQ(card_in("41111111111111110"), std::nullopt);        // 17 digits, Visa is 13/16/19
  EXPECT_EQ(card_in("1700000000000"), std::nullopt);            // epoch ms (no issuer)
  EXPECT_EQ(card_in("411111111111111100000"), std::nullopt);    // part of a longer number
}

TEST(Ssn, AreaGroupSerialRules) {
  EXPECT_TRUE(ssn_valid("123-45-6789"));
  EXPECT_TRUE(ssn_valid("078 05 1120"));
  EXPECT_TRUE(ssn_valid("899-99-9999"));
  EXPECT_FALSE(ssn_valid("000-12-3456"));
  EXPECT_FALSE(ssn_valid("666-12-3456"));
  EXPECT_FALSE(ssn_valid("900-12-3456"));
  EXPECT_FALSE(ssn_valid("999-12-3456"));
  EXPECT_FALSE(ssn_valid("123-00-4567"));
  EXPECT_FALSE(ssn_valid("123-45-0000"));
  EXPECT_FALSE(ssn_valid("123-45 6789"));  // mixed separators
  EXPECT_FALSE(ssn_valid("123456789"));
  EXPECT_FALSE(ssn_valid("12a-45-6789"));
}

TEST(Iban, ValidExamplesInBothLayouts) {
  EXPECT_EQ(iban_length("DE"), 22);
  EXPECT_EQ(iban_length("NO"), 15);
  EXPECT_EQ(iban_length("ZZ"), 0);
  EXPECT_EQ(iban_in("DE89370400440532013000"), "DE89370400440532013000");
  EXPECT_EQ(iban_in("DE89 3704 0044 0532 0130 00"), "DE89 3704 0044 0532 0130 00");
  EXPECT_EQ(iban_in("GB82 WEST 1234 5698 7654 32"), "GB82 WEST 1234 5698 7654 32");
  EXPECT_EQ(iban_in("FR1420041010050500013M02606"), "FR1420041010050500013M02606");
  EXPECT_EQ(iban_in("NL91ABNA0417164300"), "NL91ABNA0417164300");
  EXPECT_EQ(iban_in("BE68539007547034"), "BE68539007547034");
  EXPECT_EQ(iban_in("NO9386011117947"), "NO9386011117947");
  // Text after the IBAN is not part of it.
  EXPECT_EQ(iban_in("DE89 3704 0044 0532 0130 00 EUR"), "DE89 3704 0044 0532 0130 00");
}

TEST(Iban, LookAlikes) {
  EXPECT_EQ(iban_in("DE88370400440532013000"), std::nullopt);        // check digits
  EXPECT_EQ(iban_in("DE8937040044053201300"), std::nullopt);         // one short
  EXPECT_EQ(iban_in("DE893704004405320130001"), std::nullopt);       // one long
  EXPECT_EQ(iban_in("ZZ89370400440532013000"), std::nullopt);        // no such country
  EXPECT_EQ(iban_in("DE89  3704 0044 0532 0130 00"), std::nullopt);  // double space
}

TEST(Phone, RealNumbers) {
  EXPECT_TRUE(phone_valid("+1 212 555 0123"));
  EXPECT_TRUE(phone_valid("+15551234567"));
  EXPECT_TRUE(phone_valid("+44 20 7946 0958"));
  EXPECT_TRUE(phone_valid("+33 1 23 45 67 89"));
  EXPECT_TRUE(phone_valid("+49 (0)30 1234567"));
  EXPECT_TRUE(phone_valid("(212) 555-0123"));
  EXPECT_TRUE(phone_valid("212-555-0123"));
  EXPECT_TRUE(phone_valid("212.555.0123"));
  EXPECT_TRUE(phone_valid("212 555 0123"));
  EXPECT_TRUE(phone_valid("1-800-555-0199"));
}

TEST(Phone, LookAlikes) {
  EXPECT_FALSE(phone_valid("2125550123"));         // bare digits
  EXPECT_FALSE(phone_valid("212-555.0123"));       // mixed separators
  EXPECT_FALSE(phone_valid("123-456-7890"));       // no area code starts with 1
  EXPECT_FALSE(phone_valid("212-155-0123"));       // nor an exchange
  EXPECT_FALSE(phone_valid("+1.2345678"));         // a signed decimal
  EXPECT_FALSE(phone_valid("+0123456789"));        // no country code 0
  EXPECT_FALSE(phone_valid("+1234567"));           // too short
  EXPECT_FALSE(phone_valid("+1234567890123456"));  // too long
  EXPECT_FALSE(phone_valid("+1 2 3 4 5 6 7 8"));   // not a numbering layout
  EXPECT_FALSE(phone_valid("(212 555-0123"));
}

TEST(Email, AddressesAndNot) {
  EXPECT_TRUE(email_valid("alice@example.com"));
  EXPECT_TRUE(email_valid("a.b+tag@mail.example.co.uk"));
  EXPECT_FALSE(email_valid("@example.com"));
  EXPECT_FALSE(email_valid(".alice@example.com"));
  EXPECT_FALSE(email_valid("alice.@example.com"));
  EXPECT_FALSE(email_valid("al..ice@example.com"));
  EXPECT_FALSE(email_valid("alice@-example.com"));
  EXPECT_FALSE(email_valid("alice@example"));
  EXPECT_FALSE(email_valid("logo@2x.png"));
  EXPECT_FALSE(email_valid(std::string(65, 'a') + "@example.com"));
}

TEST(Jwt, HeaderMustBeJsonWithAlg) {
  // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890"} . signature
  const std::string header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
  const std::string payload = "eyJzdWIiOiIxMjM0NTY3ODkwIn0";
  const std::string sig = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  EXPECT_TRUE(jwt_valid(header + "." + payload + "." + sig));
  EXPECT_TRUE(jwt_valid(header + "." + payload + "."));  // alg none: no signature
  // {"typ":"JWT"}: no alg.
  EXPECT_FALSE(jwt_valid("eyJ0eXAiOiJKV1QifQ." + payload + "." + sig));
  // "eyJhbGci" alone decodes to a cut-off header.
  EXPECT_FALSE(jwt_valid("eyJhbGci." + payload + "." + sig));
  EXPECT_FALSE(jwt_valid(header + "." + payload));                     // two parts
  EXPECT_FALSE(jwt_valid(header + "." + payload + "." + sig + ".x"));  // four
  EXPECT_FALSE(jwt_valid(header + ".a." + sig));                       // payload length impossible
}

TEST(TokenBoundary, JoinedNeighbours) {
  const std::string_view v = "x 123-45-6789 y";
  EXPECT_TRUE(token_boundary(v, 2, 13));
  EXPECT_FALSE(token_boundary("a123-45-6789", 1, 12));
  EXPECT_FALSE(token_boundary("v1-123-45-6789", 3, 14));
  EXPECT_FALSE(token_boundary("123-45-6789.5", 0, 11));
  EXPECT_TRUE(token_boundary("123-45-6789.", 0, 11));  // end of a sentence
  EXPECT_TRUE(token_boundary("ssn:123-45-6789", 4, 15));
  EXPECT_FALSE(token_boundary("10:123-45-6789", 3, 14));
}

}  // namespace
}  // namespace gh::masking
