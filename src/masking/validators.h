#pragma once

// Validators behind the detectors: a regex only finds a candidate, these decide whether it
// really is a card number, an SSN, an IBAN, ... so look-alikes (order numbers, timestamps,
// random digits) are left alone. Each takes the candidate text the detector's regex matched
// (plus, where it matters, the whole value for context) and answers whether, and where, it
// is a real one. All are pure and allocation-free.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gh::masking {

// A byte range [begin, end) of a value.
struct ByteRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const ByteRange&) const = default;
};

// Luhn checksum over the ASCII digits of `digits` (other characters are skipped).
bool luhn_valid(std::string_view digits);

// Whether 13..19 digits start with an issuer prefix of a card scheme (Visa, Mastercard,
// American Express, Discover, JCB, Diners Club, UnionPay, Maestro) and have a length that
// scheme issues.
bool card_issuer_valid(std::string_view digits);

// Within a run of digits separated by single spaces or dashes, the first sub-range that is a
// card number: 13..19 digits starting and ending on group boundaries, one kind of separator,
// groups of 3..6 digits when separated, a known issuer prefix and a valid Luhn checksum.
// Offsets are relative to `run`.
std::optional<ByteRange> find_card_in_run(std::string_view run);

// "AAA-GG-SSSS" or "AAA GG SSSS" (one kind of separator) under the SSA's rules: area not
// 000, 666 or 900-999; group not 00; serial not 0000.
bool ssn_valid(std::string_view text);

// The registered IBAN length for a two-letter country code, or 0 if unknown.
int iban_length(std::string_view country);

// A candidate starting with a country code and check digits, possibly with single spaces
// between characters and followed by more text: the prefix that is exactly the country's
// IBAN length and passes ISO 13616 mod-97, or nullopt. Offsets relative to `text`.
std::optional<ByteRange> find_iban(std::string_view text);

// A phone number as matched by the phone regex: E.164 ("+" then 8..15 digits, separators
// allowed) or North American (NPA NXX XXXX with separators or parentheses, optional +1),
// with rules that turn away decimals, dates and version numbers.
bool phone_valid(std::string_view text);

// local@domain.tld with RFC 5321 length limits, no empty or dotted-edge local part, domain
// labels without leading or trailing '-', an alphabetic TLD; not an image asset name
// ("logo@2x.png").
bool email_valid(std::string_view text);

// header.payload.signature in base64url where the header decodes to a JSON object with an
// "alg" member and the payload decodes too.
bool jwt_valid(std::string_view text);

// Whether [begin, end) of `value` is a whole token: the bytes around it are not letters or
// digits, nor a '-', '.', '_', '/' or ':' joined to one (so "v1-123-45-6789" or
// "2019.555.123.4567" are not taken apart).
bool token_boundary(std::string_view value, size_t begin, size_t end);

}  // namespace gh::masking
