#pragma once

// Times on the auditor CLI (--since / --until) and in its outputs.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::app {

// Parses a point in time given on the command line, as unix nanoseconds:
//   RFC 3339            2026-11-23T10:00:00Z, 2026-11-23T10:00:00.5+01:00 (also with ' ' for T)
//   a date              2026-11-23 (midnight UTC)
//   a duration back     24h, 7d, 30m, 90s, 500ms (that long before `now_ns`)
//   now
// Invalid, naming the accepted forms, for anything else.
Result<int64_t> parse_time_arg(std::string_view text, int64_t now_ns);

// RFC 3339 in UTC with `digits` fractional digits (0, 3, 6 or 9):
// "2026-11-23T10:00:00.123Z".
std::string format_rfc3339(int64_t unix_ns, int digits = 3);

// A duration for people: "850 µs", "12.3 ms", "4.2 s", "3 min 20 s", "2 h 5 min".
std::string format_duration_ns(int64_t ns);

// Wall-clock unix nanoseconds.
int64_t now_unix_ns();

}  // namespace gh::app
