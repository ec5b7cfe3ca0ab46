#include "masking/validators.h"

#include <array>
#include <span>

namespace gh::masking {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

// The first `n` digits of `s` as a number (s holds at least n digits).
int prefix(std::string_view s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// A neighbour of a candidate joins it to a longer token when it is a letter or digit, or a
// connector (-, ., _, /) followed by one, or ':' followed by a digit (times, ratios).
bool joins(std::string_view value, size_t at, int step) {
  const char c = value[at];
  if (is_alnum(c)) return true;
  const bool connector = c == '-' || c == '.' || c == '_' || c == '/' || c == ':';
  if (!connector) return false;
  const long next = static_cast<long>(at) + step;
  if (next < 0 || static_cast<size_t>(next) >= value.size()) return false;
  const char n = value[static_cast<size_t>(next)];
  return c == ':' ? is_digit(n) : is_alnum(n);
}

struct IbanCountry {
  char code[3];
  uint8_t length;
};

// ISO 13616 registry (SWIFT IBAN registry), country code -> total IBAN length. Sorted.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (is_digit(c)) return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Decodes base64url (no padding) into `out`, at most out.size() bytes; the decoded length,
// or -1 if the text is not base64url (bad character or impossible length).
long decode_base64url(std::string_view s, std::span<char> out) {
  if (s.size() % 4 == 1) return -1;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    const int v = base64url_value(c);
    if (v < 0) return -1;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < out.size()) out[n] = static_cast<char>((acc >> bits) & 0xFF);
      ++n;
    }
  }
  return static_cast<long>(n < out.size() ? n : out.size());
}

}  // namespace

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  int count = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    const char c = digits[i];
    if (!is_digit(c)) continue;
    int d = c - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
    ++count;
  }
  return count > 0 && sum % 10 == 0;
}

bool card_issuer_valid(std::string_view d) {
  const size_t n = d.size();
  if (n < 13 || n > 19) return false;
  for (char c : d) {
    if (!is_digit(c)) return false;
  }
  const int p1 = prefix(d, 1), p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);
  const int p6 = prefix(d, 6);
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                         // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if (p4 >= 2200 && p4 <= 2204) return n >= 16;                              // Mir
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;                              // JCB
  if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39) {
    return n >= 14;  // Diners Club
  }
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16;  // Discover
  }
  if (p2 == 62) return n >= 16;                         // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return true;  // Maestro (13..19 here)
  return false;
}

std::optional<ByteRange> find_card_in_run(std::string_view run) {
  constexpr size_t kMaxDigits = 19;
  char buf[kMaxDigits];
  // A candidate starts at a group and takes whole groups; one unseparated group, or groups
  // of 3..6 digits with one kind of separator.
  for (size_t start = 0; start < run.size();) {
    size_t digits = 0;
    size_t groups = 0;
    bool card_groups = true;  // every group so far has 3..6 digits
    char sep = 0;
    for (size_t pos = start; pos < run.size();) {
      size_t end = pos;
      while (end < run.size() && is_digit(run[end])) ++end;
      const size_t len = end - pos;
      if (len == 0 || digits + len > kMaxDigits) break;
      for (size_t k = pos; k < end; ++k) buf[digits++] = run[k];
      ++groups;
      card_groups = card_groups && len >= 3 && len <= 6;
      if (groups > 1 && !card_groups) break;
      if (digits >= 13 && card_issuer_valid({buf, digits}) && luhn_valid({buf, digits})) {
        return ByteRange{static_cast<uint32_t>(start), static_cast<uint32_t>(end)};
      }
      if (end == run.size() || (sep != 0 && run[end] != sep)) break;
      sep = run[end];
      pos = end + 1;
    }
    while (start < run.size() && is_digit(run[start])) ++start;
    while (start < run.size() && !is_digit(run[start])) ++start;
  }
  return std::nullopt;
}

bool ssn_valid(std::string_view t) {
  if (t.size() != 11) return false;
  const char sep = t[3];
  if ((sep != '-' && sep != ' ') || t[6] != sep) return false;
  for (size_t i : {0, 1, 2, 4, 5, 7, 8, 9, 10}) {
    if (!is_digit(t[i])) return false;
  }
  const int area = prefix(t, 3);
  const int group = prefix(t.substr(4), 2);
  const int serial = prefix(t.substr(7), 4);
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

int iban_length(std::string_view country) {
  if (country.size() != 2) return 0;
  size_t lo = 0, hi = std::size(kIbanCountries);
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const std::string_view code(kIbanCountries[mid].code, 2);
    if (code == country) return kIbanCountries[mid].length;
    if (code < country) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return 0;
}

std::optional<ByteRange> find_iban(std::string_view text) {
  if (text.size() < 4) return std::nullopt;
  const int length = iban_length(text.substr(0, 2));
  if (length == 0 || !is_digit(text[2]) || !is_digit(text[3])) return std::nullopt;
  char chars[34];
  int n = 0;
  size_t i = 0;
  for (; i < text.size() && n < length; ++i) {
    const char c = text[i];
    if (is_digit(c) || is_upper(c)) {
      chars[n++] = c;
    } else if (c == ' ' && n > 0 && i + 1 < text.size() && text[i + 1] != ' ') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (n != length) return std::nullopt;
  if (i < text.size() && is_alnum(text[i])) return std::nullopt;  // longer than the country's
  // mod 97 of the number with the first four characters moved to the end, letters as 10..35.
  int rem = 0;
  for (int k = 0; k < length; ++k) {
    const char c = chars[(k + 4) % length];
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  if (rem != 1) return std::nullopt;
  return ByteRange{0, static_cast<uint32_t>(i)};
}

bool phone_valid(std::string_view t) {
  if (t.empty()) return false;
  std::array<char, 16> digits{};
  size_t nd = 0;
  size_t groups = 0, short_groups = 0, group = 0, seps = 0, dots = 0;
  int parens = 0, paren_pairs = 0;
  char sep_kind = 0;
  bool mixed = false;
  const bool plus = t[0] == '+';
  for (size_t i = plus ? 1 : 0; i < t.size(); ++i) {
    const char c = t[i];
    if (is_digit(c)) {
      if (nd == digits.size()) return false;
      digits[nd++] = c;
      ++group;
      continue;
    }
    if (group > 0) {
      ++groups;
      if (group == 1) ++short_groups;
    }
    group = 0;
    if (c == '(') {
      if (parens != 0 || ++paren_pairs > 1) return false;
      parens = 1;
    } else if (c == ')') {
      if (parens != 1) return false;
      parens = 0;
    } else if (c == ' ' || c == '-' || c == '.') {
      ++seps;
      if (c == '.') ++dots;
      if (sep_kind != 0 && c != sep_kind) mixed = true;
      sep_kind = c;
      if (i + 1 < t.size() && !is_digit(t[i + 1]) && t[i + 1] != '(') return false;
    } else {
      return false;
    }
  }
  if (parens != 0) return false;
  if (group > 0) {
    ++groups;
    if (group == 1) ++short_groups;
  }
  const std::string_view d(digits.data(), nd);
  if (plus) {
    if (nd < 8 || nd > 15 || d[0] == '0') return false;
    if (seps == 1 && dots == 1) return false;  // "+1.2345678" is a number
    if (dots > 0 && mixed) return false;
    return short_groups <= 2;
  }
  // North American: [1] NPA NXX XXXX, separated consistently (or "(NPA) NXX-XXXX").
  std::string_view n = d;
  if (nd == 11 && d[0] == '1') n = d.substr(1);
  if (n.size() != 10) return false;
  if (n[0] < '2' || n[1] == '9' || n[3] < '2') return false;
  if (paren_pairs == 0 && mixed) return false;
  if (paren_pairs == 0 && seps < 2) return false;
  return true;
}

bool email_valid(std::string_view t) {
  const size_t at = t.find('@');
  if (at == std::string_view::npos || at == 0 || t.size() > 254) return false;
  const std::string_view local = t.substr(0, at);
  const std::string_view domain = t.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  size_t labels = 0;
  size_t first_end = domain.find('.');
  for (size_t b = 0; b <= domain.size();) {
    size_t e = domain.find('.', b);
    if (e == std::string_view::npos) e = domain.size();
    const std::string_view label = domain.substr(b, e - b);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    ++labels;
    b = e + 1;
  }
  // "icon@2x.png": an image asset at a display scale, not an address.
  const std::string_view first = domain.substr(0, first_end);
  if (labels == 2 && first.size() >= 2 && first.back() == 'x') {
    bool scale = true;
    for (char c : first.substr(0, first.size() - 1)) scale = scale && is_digit(c);
    if (scale) return false;
  }
  return labels >= 2;
}

bool jwt_valid(std::string_view t) {
  const size_t d1 = t.find('.');
  if (d1 == std::string_view::npos) return false;
  const size_t d2 = t.find('.', d1 + 1);
  if (d2 == std::string_view::npos || t.find('.', d2 + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view header = t.substr(0, d1);
  const std::string_view payload = t.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view signature = t.substr(d2 + 1);
  char head[1024];
  const long hn = decode_base64url(header, head);
  if (hn < 2) return false;
  std::string_view h(head, static_cast<size_t>(hn));
  while (!h.empty() && (h.front() == ' ' || h.front() == '\n' || h.front() == '\r')) {
    h.remove_prefix(1);
  }
  if (h.empty() || h.front() != '{') return false;
  const size_t alg = h.find("\"alg\"");
  if (alg == std::string_view::npos) return false;
  size_t k = alg + 5;
  while (k < h.size() && (h[k] == ' ' || h[k] == '\t' || h[k] == '\n' || h[k] == '\r')) ++k;
  if (k >= h.size() || h[k] != ':') return false;
  char scratch[1];
  if (payload.empty() || decode_base64url(payload, scratch) < 0) return false;
  return signature.empty() || decode_base64url(signature, scratch) >= 0;
}

bool token_boundary(std::string_view value, size_t begin, size_t end) {
  if (begin > 0 && joins(value, begin - 1, -1)) return false;
  if (end < value.size() && joins(value, end, +1)) return false;
  return true;
}

}  // namespace gh::masking
