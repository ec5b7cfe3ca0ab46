#include "credentials/valid_until.h"

#include <chrono>
#include <cstdio>

namespace gh::credentials {

namespace {

// Reads exactly `n` digits from the front of `s`.
bool take_digits(std::string_view& s, size_t n, int& out) {
  if (s.size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  s.remove_prefix(n);
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::string format_valid_until(int64_t unix_seconds) {
  using namespace std::chrono;
  sys_seconds t{seconds{unix_seconds}};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<int64_t> parse_valid_until(std::string_view s) {
  if (s == "infinity") return kValidForever;
  if (s == "-infinity") return kValidNever;
  int y, mo, d, h, mi, sec;
  if (!take_digits(s, 4, y) || !take_char(s, '-') || !take_digits(s, 2, mo) || !take_char(s, '-') ||
      !take_digits(s, 2, d) || !(take_char(s, ' ') || take_char(s, 'T')) || !take_digits(s, 2, h) ||
      !take_char(s, ':') || !take_digits(s, 2, mi) || !take_char(s, ':') ||
      !take_digits(s, 2, sec)) {
    return std::nullopt;
  }
  if (take_char(s, '.')) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  int sign = 0;
  if (take_char(s, '+')) {
    sign = 1;
  } else if (take_char(s, '-')) {
    sign = -1;
  } else {
    return std::nullopt;  // timestamptz output always carries an offset
  }
  int oh = 0, om = 0, os = 0;
  if (!take_digits(s, 2, oh)) return std::nullopt;
  if (take_char(s, ':') && !take_digits(s, 2, om)) return std::nullopt;
  if (take_char(s, ':') && !take_digits(s, 2, os)) return std::nullopt;
  if (!s.empty()) return std::nullopt;  // includes " BC" and years past 9999: not ours

  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60 || oh > 15 || om > 59 || os > 59) {
    return std::nullopt;
  }
  int64_t local =
      sys_days{ymd}.time_since_epoch() / seconds{1} + int64_t{h} * 3600 + int64_t{mi} * 60 + sec;
  int64_t offset = sign * (int64_t{oh} * 3600 + int64_t{om} * 60 + os);
  return local - offset;
}

}  // namespace gh::credentials
