// /metrics in the Prometheus text format 0.0.4.

#include "admin/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace gh::admin {
namespace {

// Checks the exposition format line by line: every sample belongs to a family announced by
// HELP and TYPE before it, names are valid, values are numbers; returns samples by
// `name{labels}`.
std::map<std::string, std::string> parse_exposition(const std::string& text) {
  std::map<std::string, std::string> samples;
  std::set<std::string> helped, typed;
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? )"
      R"((-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))");
  std::set<std::string> histograms;
  EXPECT_TRUE(!text.empty() && text.back() == '\n') << "the text must end with a newline";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << "TYPE twice: " << line;
      if (m[2] == "counter") {
        EXPECT_TRUE(std::string(m[1]).ends_with("_total")) << line;
      }
      if (m[2] == "histogram") histograms.insert(m[1]);
    } else if (std::regex_match(line, m, kSample)) {
      std::string family = m[1];
      for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        std::string base = family.substr(0, family.size() - std::min(family.size(), suffix.size()));
        if (family.ends_with(suffix) && histograms.count(base)) family = base;
      }
      EXPECT_TRUE(typed.count(family)) << "sample without TYPE: " << line;
      EXPECT_TRUE(std::string(m[1]).starts_with("gatehouse_")) << line;
      samples[std::string(m[1]) + std::string(m[2])] = m[4];
    } else {
      ADD_FAILURE() << "not a valid exposition line: '" << line << "'";
    }
  }
  return samples;
}

TEST(Metrics, GatewayCountersAreExposed) {
  pg::GatewayCounters g;
  g.sessions_total = 12;
  g.sessions_active = 2;
  g.auth_failures = 3;
  g.backend_lost = 1;
  g.audit_refusals = 4;
  identity::AuthenticatorCounters t;
  t.fetches_ok = 5;
  AdminCounters a;
  a.requests = 9;
  a.forbidden = 1;
  auto s = parse_exposition(render_metrics({&g, &t, &a}));
  EXPECT_EQ(s["gatehouse_sessions_total"], "12");
  EXPECT_EQ(s["gatehouse_sessions_active"], "2");
  EXPECT_EQ(s["gatehouse_auth_failures_total"], "3");
  EXPECT_EQ(s["gatehouse_backend_lost_total"], "1");
  EXPECT_EQ(s["gatehouse_audit_refusals_total"], "4");
  EXPECT_EQ(s["gatehouse_protocol_errors_total"], "0");
  EXPECT_EQ(s["gatehouse_backend_connect_failures_total"], "0");
  EXPECT_EQ(s["gatehouse_jwks_fetches_total{result=\"ok\"}"], "5");
  EXPECT_EQ(s["gatehouse_jwks_fetches_total{result=\"failed\"}"], "0");
  EXPECT_EQ(s["gatehouse_admin_requests_total"], "9");
  EXPECT_EQ(s["gatehouse_admin_refusals_total{reason=\"forbidden\"}"], "1");
  EXPECT_GE(s.size(), 18u);
}

TEST(Metrics, MissingSourcesAreLeftOut) {
  pg::GatewayCounters g;
  auto s = parse_exposition(render_metrics({&g, nullptr, nullptr}));
  EXPECT_EQ(s.count("gatehouse_jwks_fetches_total{result=\"ok\"}"), 0u);
  EXPECT_EQ(s.count("gatehouse_admin_requests_total"), 0u);
  EXPECT_EQ(render_metrics({}), "");
}

TEST(Metrics, EscapesHelpAndLabels) {
  std::string out;
  MetricsText(out).family("gatehouse_x_total", "counter", "a\\b\nc").sample(
      "gatehouse_x_total", "v=\"" + escape_label_value("q\"\\\n") + "\"", 1);
  EXPECT_EQ(out,
            "# HELP gatehouse_x_total a\\\\b\\nc\n"
            "# TYPE gatehouse_x_total counter\n"
            "gatehouse_x_total{v=\"q\\\"\\\\\\n\"} 1\n");
}

}  // namespace
}  // namespace gh::admin

namespace gh::admin {
namespace {

TEST(MetricsText, HistogramsAddTheirPartsCumulatively) {
  static constexpr double kBounds[] = {0.001, 0.01};
  Histogram a{kBounds}, b{kBounds};
  a.observe(0.0005);
  a.observe(0.005);
  b.observe(0.005);
  b.observe(2);
  std::string out;
  MetricsText m(out);
  const Histogram* parts[] = {&a, &b};
  m.histogram("gatehouse_x_seconds", "X.", parts);
  EXPECT_EQ(out,
            "# HELP gatehouse_x_seconds X.\n"
            "# TYPE gatehouse_x_seconds histogram\n"
            "gatehouse_x_seconds_bucket{le=\"0.001\"} 1\n"
            "gatehouse_x_seconds_bucket{le=\"0.01\"} 3\n"
            "gatehouse_x_seconds_bucket{le=\"+Inf\"} 4\n"
            "gatehouse_x_seconds_sum 2.0105\n"
            "gatehouse_x_seconds_count 4\n");
}

}  // namespace
}  // namespace gh::admin
