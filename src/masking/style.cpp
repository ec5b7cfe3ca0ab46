#include "masking/style.h"

#include <charconv>

namespace gh::masking {

namespace {

constexpr std::string_view kAccepted = "redact, partial(first=N), partial(last=N), hash or null";

// Length of the UTF-8 sequence starting at s[i], or 1 for a byte that does not start a
// valid one (so invalid input is still walked one byte at a time, never past the end).
size_t char_len(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
  } else {
    return 1;
  }
  if (i + n > s.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  // Overlong and surrogate forms are not characters either.
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 >= 0xA0) || (b == 0xF0 && b1 < 0x90) ||
      (b == 0xF4 && b1 >= 0x90)) {
    return 1;
  }
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status bad_spec(std::string_view spec, std::string_view why) {
  std::string m = "invalid masking style \"";
  m.append(spec).append("\": ").append(why);
  return Status::Invalid(std::move(m));
}

Result<Style> parse_partial(std::string_view spec, std::string_view args) {
  args = trim(args);
  const size_t eq = args.find('=');
  if (eq == std::string_view::npos) {
    return bad_spec(spec, "partial needs first=N or last=N, e.g. partial(last=4)");
  }
  const std::string_view side = trim(args.substr(0, eq));
  const std::string_view number = trim(args.substr(eq + 1));
  StyleKind kind;
  if (side == "first") {
    kind = StyleKind::kPartialFirst;
  } else if (side == "last") {
    kind = StyleKind::kPartialLast;
  } else {
    return bad_spec(spec, "partial takes first=N or last=N, not \"" + std::string(side) + "\"");
  }
  uint32_t n = 0;
  const char* end = number.data() + number.size();
  auto [p, ec] = std::from_chars(number.data(), end, n);
  if (number.empty() || ec != std::errc() || p != end || n < 1 || n > kMaxPartialKeep) {
    return bad_spec(spec, "N must be a whole number from 1 to " + std::to_string(kMaxPartialKeep) +
                              ", got \"" + std::string(number) + "\"");
  }
  return Style{kind, n};
}

void append_partial(const Style& s, std::string_view value, std::string& out) {
  const size_t total = count_chars(value);
  const size_t keep = std::min<size_t>(s.keep, total / 2);
  const size_t keep_from = s.kind == StyleKind::kPartialFirst ? 0 : total - keep;
  const size_t keep_to = s.kind == StyleKind::kPartialFirst ? keep : total;
  size_t i = 0;
  size_t ch = 0;
  while (i < value.size()) {
    const size_t n = char_len(value, i);
    if (ch >= keep_from && ch < keep_to) {
      out.append(value.substr(i, n));
    } else {
      out.push_back('*');
    }
    i += n;
    ++ch;
  }
}

}  // namespace

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += char_len(s, i)) ++n;
  return n;
}

std::string to_string(const Style& s) {
  switch (s.kind) {
    case StyleKind::kRedact:
      return "redact";
    case StyleKind::kPartialFirst:
      return "partial(first=" + std::to_string(s.keep) + ")";
    case StyleKind::kPartialLast:
      return "partial(last=" + std::to_string(s.keep) + ")";
    case StyleKind::kHash:
      return "hash";
    case StyleKind::kNull:
      return "null";
  }
  return "redact";
}

Result<Style> parse_style(std::string_view spec) {
  const std::string_view s = trim(spec);
  if (s.empty())
    return Status::Invalid(std::string("empty masking style: expected ") + std::string(kAccepted));
  if (s == "redact") return Style::redact();
  if (s == "hash") return Style::hash();
  if (s == "null") return Style::null();
  const size_t open = s.find('(');
  const std::string_view name = trim(s.substr(0, open));
  if (name == "partial") {
    if (open == std::string_view::npos) {
      return bad_spec(s, "partial needs first=N or last=N, e.g. partial(last=4)");
    }
    if (s.back() != ')') return bad_spec(s, "missing ')' after partial(...");
    return parse_partial(s, s.substr(open + 1, s.size() - open - 2));
  }
  if (open != std::string_view::npos && (name == "redact" || name == "hash" || name == "null")) {
    return bad_spec(s, std::string(name) + " takes no arguments");
  }
  return bad_spec(s, std::string("unknown style; expected ") + std::string(kAccepted));
}

Masked apply_style(const Style& s, std::string_view value, const HashKey* key, std::string& out) {
  switch (s.kind) {
    case StyleKind::kNull:
      return Masked::kNull;
    case StyleKind::kPartialFirst:
    case StyleKind::kPartialLast:
      append_partial(s, value, out);
      return Masked::kValue;
    case StyleKind::kHash:
      if (key != nullptr) {
        append_hash_token(*key, value, out);
        return Masked::kValue;
      }
      break;  // no key: redact
    case StyleKind::kRedact:
      break;
  }
  out.append(kRedactedMarker);
  return Masked::kValue;
}

void append_hash_token(const HashKey& key, std::string_view value, std::string& out) {
  static constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";
  const HashKey::Digest d = key.mac(value);
  out.append(kHashTokenPrefix);
  // 12 bytes = 96 bits = 19.2 base32 digits: 20 digits, the last one padded with zero bits.
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < kHashTokenBytes; ++i) {
    acc = (acc << 8) | d[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(acc << (5 - bits)) & 31]);
}

}  // namespace gh::masking
