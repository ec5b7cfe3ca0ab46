// `gatehouse evidence`: writes the evidence bundle for one period into a folder (see
// app/evidence_bundle.h).

#include <cstdio>
#include <string>
#include <vector>

#include "app/audit_cli.h"
#include "app/audit_time.h"
#include "app/commands.h"
#include "app/evidence_bundle.h"
#include "app/options.h"

namespace gh::app {

namespace {

constexpr std::string_view kTool = "evidence";
constexpr const char* kUsage =
    "usage: gatehouse evidence --config FILE --since T --until T --out DIR\n"
    "T: RFC 3339 (2026-11-23T10:00:00Z), a date (2026-11-23), or a duration back from now "
    "(24h, 7d)\n";

int run(Options opts) {
  std::string config_path = opts.take("--config");
  std::string out_dir = opts.take("--out");
  auto period = take_period(kTool, opts, true, true, kUsage);
  if (auto* code = std::get_if<int>(&period)) return *code;
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  if (out_dir.empty()) return cli_usage_error(kTool, "--out DIR is required", kUsage);
  const Period& p = std::get<Period>(period);

  auto opened = open_audit_env(kTool, config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  AuditEnv& env = std::get<AuditEnv>(opened);
  auto written = write_evidence_bundle(env, p, out_dir);
  if (!written.ok()) return cli_fail(kTool, written.status().message());
  const EvidenceBundle& b = written.value();
  std::printf("wrote the evidence bundle for %s to %s into %s:\n",
              format_rfc3339(b.since_ns, 0).c_str(), format_rfc3339(b.until_ns, 0).c_str(),
              out_dir.c_str());
  for (const auto& f : b.files) {
    std::printf("  %-18s %s  %llu bytes\n", f.name.c_str(), f.sha256.c_str(),
                static_cast<unsigned long long>(f.bytes));
  }
  std::printf("  %-18s %s\n", "manifest.json", b.manifest_sha256.c_str());
  auto count = [](uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::printf("%s, %s, %s, %s, %s\n", count(b.records, "record", "records").c_str(),
              count(b.session_starts, "session started", "sessions started").c_str(),
              count(b.auth_failures, "refused login", "refused logins").c_str(),
              count(b.statements, "statement", "statements").c_str(),
              count(b.review_events, "review event", "review events").c_str());
  if (!b.read_status.ok()) {
    return cli_fail(kTool, describe_read_error(env.cfg.audit.dir, b.read_status));
  }
  if (!b.verified) {
    return cli_fail(kTool, "the audit log did not verify: see " + out_dir + "/verify_report.txt");
  }
  return 0;
}

}  // namespace

int run_evidence(const std::vector<std::string>& args) {
  Options opts(args);
  if (opts.take_switch("--help") || opts.take_switch("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return run(std::move(opts));
}

}  // namespace gh::app
