#pragma once

// /metrics: gatehouse's counters in the Prometheus text exposition format 0.0.4. Every
// metric is named gatehouse_*, has HELP and TYPE lines, and counters end in _total.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <span>
#include <vector>

#include "audit/writer.h"
#include "common/histogram.h"
#include "identity/authenticator.h"
#include "pg/session/gateway.h"

namespace gh::admin {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The admin API's own counters (any thread).
struct AdminCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> unauthenticated{0};  // 401 answers
  std::atomic<uint64_t> forbidden{0};        // 403 answers
};

// Writes one metric family at a time; `labels` is "" or `key="value",...` (already escaped).
class MetricsText {
 public:
  explicit MetricsText(std::string& out) : out_(out) {}
  MetricsText& counter(std::string_view name, std::string_view help, uint64_t value);
  MetricsText& gauge(std::string_view name, std::string_view help, int64_t value);
  // HELP and TYPE of a family whose samples follow through sample().
  MetricsText& family(std::string_view name, std::string_view type, std::string_view help);
  MetricsText& sample(std::string_view name, std::string_view labels, uint64_t value);
  // A histogram family (`name`_bucket, _sum, _count), the sum of `parts` (same bounds).
  MetricsText& histogram(std::string_view name, std::string_view help,
                         std::span<const Histogram* const> parts);

 private:
  std::string& out_;
};

// What /metrics shows; null sources are left out.
struct MetricsSources {
  const pg::GatewayCounters* gateway = nullptr;
  const identity::AuthenticatorCounters* tokens = nullptr;
  const AdminCounters* admin = nullptr;
  std::vector<const audit::StreamWriter*> audit_writers;  // one per io thread
};

std::string render_metrics(const MetricsSources& sources);

// A label value escaped for the text format (backslash, double quote, newline).
std::string escape_label_value(std::string_view v);

}  // namespace gh::admin
