#include "app/audit_time.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

#include "config/units.h"

namespace gh::app {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, size_t& pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// "YYYY-MM-DD" optionally followed by "THH:MM:SS[.fraction](Z|±HH:MM)".
std::optional<int64_t> parse_absolute(std::string_view s) {
  size_t pos = 0;
  auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto mo = digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-')) return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d || *mo < 1 || *mo > 12 || *d < 1 ||
      static_cast<unsigned>(*d) > days_in_month(*y, static_cast<unsigned>(*mo))) {
    return std::nullopt;
  }
  int64_t days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  if (pos == s.size()) return days * 86400 * kNsPerSec;

  if (!expect(s, pos, 'T') && !expect(s, pos, 't') && !expect(s, pos, ' ')) return std::nullopt;
  auto h = digits(s, pos, 2);
  if (!h || !expect(s, pos, ':')) return std::nullopt;
  auto mi = digits(s, pos, 2);
  if (!mi || !expect(s, pos, ':')) return std::nullopt;
  auto sec = digits(s, pos, 2);
  // 60 is a leap second; it is read as the first second of the next minute.
  if (!sec || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  int64_t frac_ns = 0;
  if (expect(s, pos, '.')) {
    int64_t scale = kNsPerSec / 10;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = digits(s, pos, 2);
    if (!oh || !expect(s, pos, ':')) return std::nullopt;
    auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;  // RFC 3339 needs the offset: a local time would be ambiguous
  }
  if (pos != s.size()) return std::nullopt;
  int64_t secs = days * 86400 + *h * 3600 + *mi * 60 + *sec - offset_s;
  return secs * kNsPerSec + frac_ns;
}

}  // namespace

Result<int64_t> parse_time_arg(std::string_view text, int64_t now_ns) {
  if (text == "now") return now_ns;
  if (auto t = parse_absolute(text)) return *t;
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) && text.size() < 20) {
    if (auto d = config::parse_duration(text); d && d->count() > 0) {
      return now_ns - static_cast<int64_t>(d->count()) * 1'000'000;
    }
  }
  if (parse_absolute(std::string(text) + "Z")) {
    return Status::Invalid("'" + std::string(text) + "' has no time zone: add Z for UTC (" +
                           std::string(text) + "Z) or an offset such as +01:00");
  }
  return Status::Invalid("'" + std::string(text) +
                         "' is not a time: use RFC 3339 (2026-11-23T10:00:00Z), a date "
                         "(2026-11-23, midnight UTC), a duration back from now (24h, 7d, 30m) "
                         "or now");
}

std::string format_rfc3339(int64_t unix_ns, int digits) {
  int64_t secs = unix_ns / kNsPerSec;
  int64_t frac = unix_ns % kNsPerSec;
  if (frac < 0) {
    frac += kNsPerSec;
    --secs;
  }
  auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (digits > 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%09lld", static_cast<long long>(frac));
    out += '.';
    out.append(f, static_cast<size_t>(digits > 9 ? 9 : digits));
  }
  out += 'Z';
  return out;
}

std::string format_duration_ns(int64_t ns) {
  char buf[64];
  double v = static_cast<double>(ns);
  if (ns < 0) return "-";
  if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%lld µs", static_cast<long long>(ns / 1000));
  } else if (ns < kNsPerSec) {
    std::snprintf(buf, sizeof buf, "%.1f ms", v / 1e6);
  } else if (ns < 60 * kNsPerSec) {
    std::snprintf(buf, sizeof buf, "%.1f s", v / 1e9);
  } else if (ns < 3600 * kNsPerSec) {
    int64_t s = ns / kNsPerSec;
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    int64_t m = ns / (60 * kNsPerSec);
    std::snprintf(buf, sizeof buf, "%lld h %lld min", static_cast<long long>(m / 60),
                  static_cast<long long>(m % 60));
  }
  return buf;
}

int64_t now_unix_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec;
}

}  // namespace gh::app
