#pragma once

// Masking styles: what a sensitive value becomes before it leaves the gateway.
//
//   redact            the fixed marker kRedactedMarker ("****"), whatever the value was
//   partial(first=N)  keeps the first N characters, each other character becomes '*'
//   partial(last=N)   keeps the last N characters, each other character becomes '*'
//   hash              "h:" + 20 lowercase base32 characters: the first 12 bytes of
//                     HMAC-SHA256(key, value). Equal values give equal tokens, so joins and
//                     GROUP BY still work on masked data; without the key a token cannot be
//                     reversed or recomputed from a guess.
//   null              SQL NULL
//
// Characters are UTF-8 code points: a multi-byte character is kept or replaced whole, never
// split. A byte that is not part of a valid UTF-8 sequence counts as one character. partial
// never shows more than half of a value's characters: partial(last=4) of "12345" keeps "45"
// ("***45"), and a one-character value is masked whole.
//
// A derived value (an output column computed from a masked column: `upper(ssn)`,
// `row_to_json(c)`) is redacted whole: derived_style() gives the style to use for it.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "masking/hash_key.h"

namespace gh::masking {

inline constexpr std::string_view kRedactedMarker = "****";
inline constexpr std::string_view kHashTokenPrefix = "h:";
inline constexpr size_t kHashTokenBytes = 12;  // 96 bits: collisions need ~2^48 values
inline constexpr uint32_t kMaxPartialKeep = 1000;

enum class StyleKind : uint8_t { kRedact, kPartialFirst, kPartialLast, kHash, kNull };

struct Style {
  StyleKind kind = StyleKind::kRedact;
  uint32_t keep = 0;  // partial: characters kept (1..kMaxPartialKeep)

  static Style redact() { return {StyleKind::kRedact, 0}; }
  static Style partial_first(uint32_t n) { return {StyleKind::kPartialFirst, n}; }
  static Style partial_last(uint32_t n) { return {StyleKind::kPartialLast, n}; }
  static Style hash() { return {StyleKind::kHash, 0}; }
  static Style null() { return {StyleKind::kNull, 0}; }
  bool operator==(const Style&) const = default;
};

// "redact", "partial(first=2)", "partial(last=4)", "hash", "null": parse_style() reads it back.
std::string to_string(const Style& s);

// Parses a style spec as written in the config. Spaces around the spec, the parentheses, the
// '=' and the number are allowed. The error text names the problem and the accepted forms;
// the config loader prefixes file:line.
Result<Style> parse_style(std::string_view spec);

// The style for a value derived from a column masked with `s`: null stays null, anything
// else is redacted whole (a partial or hashed `upper(ssn)` would still leak or be joinable).
inline Style derived_style(const Style& s) {
  return s.kind == StyleKind::kNull ? Style::null() : Style::redact();
}

// What applying a style gave.
enum class Masked : uint8_t { kValue, kNull };

// Appends the masked form of `value` to `out`, or returns kNull (nothing appended) for the
// null style. `key` is needed by hash; a hash style given no key redacts instead (fails
// closed rather than passing the value).
Masked apply_style(const Style& s, std::string_view value, const HashKey* key, std::string& out);

// Appends "h:" + base32 of the first kHashTokenBytes of HMAC-SHA256(key, value).
void append_hash_token(const HashKey& key, std::string_view value, std::string& out);

// UTF-8 code points in `s`; an invalid byte counts as one.
size_t count_chars(std::string_view s);

}  // namespace gh::masking
