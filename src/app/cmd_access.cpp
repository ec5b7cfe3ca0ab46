// `gatehouse access request|list|revoke`: time-boxed access grants through the admin API.
// A grant request is decided like a review request (`gatehouse reviews approve|deny ID`).

#include <cstdio>
#include <string>

#include "app/admin_client.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/text_table.h"
#include "app/audit_time.h"

namespace gh::app {

namespace {

constexpr std::string_view kTool = "access";
constexpr const char* kUsage =
    "usage: gatehouse access request [--url URL] --connection NAME [--role ROLE]\n"
    "                                --duration D --reason TEXT\n"
    "       gatehouse access list [--url URL] [--state pending|approved|revoked|...] [--json]\n"
    "       gatehouse access revoke [--url URL] --reason TEXT ID\n"
    "D: how long the access lasts once approved (30m, 2h; at most review.max_grant).\n"
    "An approver decides a request with `gatehouse reviews approve|deny ID`. Once approved,\n"
    "the requester opens the connection as that role until the grant runs out.\n"
    "URL: the admin API (default $GATEHOUSE_ADMIN_URL, else http://127.0.0.1:8090)\n"
    "The token comes from $GATEHOUSE_TOKEN: an API key or an OIDC access token.\n";

void print_grant(const AdminJson& g) {
  std::printf("%s  %s\n", g.value("id", "").c_str(), g.value("state", "").c_str());
  std::string role = g.value("role", "");
  std::printf("  %s asks for %s%s for %llds: %s\n", g.value("principal", "").c_str(),
              g.value("connection", "").c_str(), role.empty() ? "" : (" as " + role).c_str(),
              static_cast<long long>(g.value("duration_s", int64_t{0})),
              g.value("reason_given", "").c_str());
  if (g.contains("grant_expires_ns"))
    std::printf("  in force until %s\n",
                format_rfc3339(g.value("grant_expires_ns", int64_t{0}), 0).c_str());
  if (g.contains("decided_by"))
    std::printf("  decided by %s: %s\n", g.value("decided_by", "").c_str(),
                g.value("reason", "").c_str());
}

int access_request(Options opts) {
  std::string url = admin_url(opts);
  AdminJson body = AdminJson::object();
  for (const char* k : {"connection", "role", "duration", "reason"}) {
    std::string v = opts.take(std::string("--") + k);
    if (!v.empty()) body[k] = v;
  }
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  for (const char* k : {"connection", "duration", "reason"})
    if (!body.contains(k))
      return cli_usage_error(kTool, std::string("--") + k + " is required", kUsage);
  Answer a = call(url, "POST", "/api/v1/grants", body.dump());
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  print_grant(a.body);
  std::printf("an approver decides it with: gatehouse reviews approve %s\n",
              a.body.value("id", "").c_str());
  return 0;
}

int access_list(Options opts) {
  std::string url = admin_url(opts);
  std::string state = opts.take("--state");
  bool json = opts.take_switch("--json");
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  Answer a = call(url, "GET", "/api/v1/grants" + (state.empty() ? "" : "?state=" + state), {});
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  if (json) {
    std::printf("%s\n", a.body.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATE", "PRINCIPAL", "CONNECTION", "ROLE", "UNTIL"}};
  for (const auto& g : a.body.value("reviews", AdminJson::array())) {
    std::string until = g.contains("grant_expires_ns")
                            ? format_rfc3339(g.value("grant_expires_ns", int64_t{0}), 0)
                            : std::string("-");
    rows.push_back({g.value("id", ""), g.value("state", ""), g.value("principal", ""),
                    g.value("connection", ""), g.value("role", ""), until});
  }
  std::fputs(render_table(rows).c_str(), stdout);
  return 0;
}

int access_revoke(Options opts) {
  std::string url = admin_url(opts);
  std::string reason = opts.take("--reason");
  if (auto e = leftover_error(opts, 1)) return cli_usage_error(kTool, *e, kUsage);
  if (opts.rest().size() != 1) return cli_usage_error(kTool, "a grant ID is required", kUsage);
  if (reason.empty()) return cli_usage_error(kTool, "revoke needs --reason TEXT", kUsage);
  AdminJson body = {{"reason", reason}};
  Answer a = call(url, "POST", "/api/v1/grants/" + opts.rest()[0] + "/revoke", body.dump());
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  print_grant(a.body);
  return 0;
}

}  // namespace

int run_access(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kUsage,
                         {{"request", access_request}, {"list", access_list},
                          {"revoke", access_revoke}});
}

}  // namespace gh::app
