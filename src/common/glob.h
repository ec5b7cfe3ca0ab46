#pragma once

// A glob over one name part: `*` matches any run of characters and `?` one character;
// matching ignores ASCII case. Used by guardrail name patterns (policy/) and masking column
// patterns (masking/).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

// One glob over one name part.
class Glob {
 public:
  // The compiled glob, or nullopt with `why` set (empty, whitespace, unsupported syntax).
  static std::optional<Glob> compile(std::string_view text, std::string& why);

  bool matches(std::string_view s) const;
  bool is_literal() const { return shape_ == Shape::kLiteral; }
  const std::string& pattern() const { return pattern_; }  // lowercased

 private:
  // The common shapes get a direct test; kGeneral runs the wildcard matcher.
  enum class Shape : uint8_t { kLiteral, kAny, kPrefix, kSuffix, kGeneral };

  std::string pattern_;
  std::string fixed_;  // kPrefix/kSuffix: the pattern without its `*`
  Shape shape_ = Shape::kLiteral;
};

}  // namespace gh
