#pragma once

// Detectors: find sensitive values by what they are, inside any text value, whatever column
// or expression it came from.
//
//   credit_card     13..19 digits, optionally grouped by spaces or dashes, with a card
//                   scheme's issuer prefix and length and a valid Luhn checksum
//   us_ssn          AAA-GG-SSSS or AAA GG SSSS under the SSA's area/group/serial rules
//                   (nine bare digits are not taken: too many other things look like that)
//   email           local@domain.tld
//   phone           E.164 ("+" and 8..15 digits) or North American numbers written with
//                   separators or parentheses; bare digit strings are not phone numbers
//   iban            ISO 13616: registered country length and mod-97 check (upper case,
//                   optionally in groups separated by single spaces)
//   aws_access_key  AKIA/ASIA access key IDs (20 characters)
//   jwt             three base64url parts whose header is a JSON object with "alg"
//   private_key     a PEM private key block, from BEGIN to END (or to the end of the value)
//
// A regex finds candidates and a validator confirms each (validators.h), so order numbers,
// timestamps, UUIDs and other look-alikes are left alone. A value that matches nothing costs
// one RE2::Set scan (a DFA pass, no allocation); regexes and validators only run on values
// the set matched.
//
// Spans, not values: detect() returns the byte ranges of what was found, and
// mask_detected() masks those ranges in place, keeping the text around them ("card
// 4111 1111 1111 1111 on file" -> "card **** on file"). The null style nulls the whole
// value. A value needing more than masking its spans should use a column rule.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "masking/style.h"
#include "masking/validators.h"

namespace re2 {
class RE2;
}

namespace gh::masking {

enum class DetectorKind : uint8_t {
  kCreditCard,
  kUsSsn,
  kEmail,
  kPhone,
  kIban,
  kAwsAccessKey,
  kJwt,
  kPrivateKey,
};
inline constexpr size_t kDetectorKinds = 8;

std::string_view to_string(DetectorKind k);  // the config name: "credit_card", ...
std::optional<DetectorKind> detector_from_name(std::string_view name);

struct DetectedSpan {
  ByteRange range;
  DetectorKind kind;
  bool operator==(const DetectedSpan&) const = default;
};

struct Detection {
  DetectorKind kind = DetectorKind::kCreditCard;  // the detector of the first span
  std::vector<DetectedSpan> spans;                // by position, not overlapping
};

// A compiled set of detectors. Immutable once built and safe to use from several threads
// (RE2 guards its lazily built DFA states with a lock); build one per io thread to keep the
// hot path free of shared locks.
class DetectorSet {
 public:
  // Names as in the config (`detect: [credit_card, email]`). Unknown or repeated names
  // fail with a message naming them and listing the known ones.
  static Result<DetectorSet> build(const std::vector<std::string>& names);
  static Result<DetectorSet> build(const std::vector<DetectorKind>& kinds);

  DetectorSet(DetectorSet&&) noexcept;
  DetectorSet& operator=(DetectorSet&&) noexcept;
  ~DetectorSet();

  // What the detectors found in `value`, or nullopt. Allocates only when something is found.
  std::optional<Detection> detect(std::string_view value) const;

  const std::vector<DetectorKind>& kinds() const { return kinds_; }

 private:
  DetectorSet() = default;
  struct Compiled;
  std::vector<DetectorKind> kinds_;
  std::unique_ptr<Compiled> compiled_;
};

// Appends `value` to `out` with every span of `d` masked by `style` (each span on its own:
// hash gives one token per span), or returns Masked::kNull for the null style.
Masked mask_detected(std::string_view value, const Detection& d, const Style& style,
                     const HashKey* key, std::string& out);

}  // namespace gh::masking
