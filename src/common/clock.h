#pragma once

#include <time.h>

#include <cstdint>

namespace gh {

// Monotonic nanoseconds, for durations and deadlines (vDSO: no syscall).
inline int64_t steady_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Wall-clock unix nanoseconds, for records and logs.
inline int64_t unix_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace gh
