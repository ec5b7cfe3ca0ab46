#pragma once

// A Prometheus-style histogram with fixed upper bounds, in seconds: observe() from any thread
// (relaxed atomics, no lock), read by /metrics. Cheap enough for per-event use off the
// statement path (audit syncs, review decisions).

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gh {

class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 16;

  // `bounds`: ascending upper bounds (at most kMaxBuckets); +Inf is implicit.
  explicit Histogram(std::span<const double> bounds) : n_(bounds.size() < kMaxBuckets ? bounds.size() : kMaxBuckets) {
    for (size_t i = 0; i < n_; ++i) bounds_[i] = bounds[i];
  }

  void observe(double seconds) {
    size_t i = 0;
    while (i < n_ && seconds > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);  // i == n_: only +Inf
    sum_.fetch_add(seconds, std::memory_order_relaxed);
  }

  size_t buckets() const { return n_; }
  double bound(size_t i) const { return bounds_[i]; }
  // Observations in bucket i alone (i == buckets(): above the last bound).
  uint64_t count_in(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  size_t n_;
  std::array<double, kMaxBuckets> bounds_{};
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> counts_{};
  std::atomic<double> sum_{0};
};

}  // namespace gh
