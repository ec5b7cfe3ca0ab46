// `gatehouse reviews list|show|approve|deny`: review requests through the admin API, with the
// caller's token from the environment (an API key or an OIDC access token). The CLI is only a
// client: every check (roles, approver groups, self-review) is the server's.

#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "app/admin_client.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/text_table.h"

namespace gh::app {

namespace {

using Json = AdminJson;

constexpr std::string_view kTool = "reviews";
constexpr const char* kUsage =
    "usage: gatehouse reviews list [--url URL] [--state pending|approved|denied|expired|cancelled]\n"
    "                              [--limit N] [--json]\n"
    "       gatehouse reviews show [--url URL] ID\n"
    "       gatehouse reviews approve [--url URL] [--reason TEXT] [--sql FILE] ID\n"
    "       gatehouse reviews deny [--url URL] --reason TEXT ID\n"
    "URL: the admin API (default $GATEHOUSE_ADMIN_URL, else http://127.0.0.1:8090)\n"
    "--sql FILE: approve with an edit; the statement in FILE runs instead (- reads stdin).\n"
    "The token comes from $GATEHOUSE_TOKEN: an API key or an OIDC access token.\n";

void print_request(const Json& r) {
  std::printf("%s  %s\n", r.value("id", "").c_str(), r.value("state", "").c_str());
  std::printf("  requested by %s on %s, session %s\n", r.value("principal", "").c_str(),
              r.value("connection", "").c_str(), r.value("session", "").c_str());
  std::string rules;
  for (const auto& x : r.value("rules", Json::array())) rules += (rules.empty() ? "" : ", ") + x.get<std::string>();
  std::printf("  rules: %s\n", rules.c_str());
  if (r.contains("facts")) std::printf("  does: %s\n", r.value("facts", "").c_str());
  std::printf("  sql: %s\n", r.value("sql", "").c_str());
  if (r.contains("edited_sql"))
    std::printf("  edited to: %s\n", r.value("edited_sql", "").c_str());
  if (r.contains("params")) std::printf("  params: %s\n", r.value("params", "").c_str());
  for (const auto& a : r.value("approvals", Json::array()))
    std::printf("  approved by %s: %s\n", a.value("approver", "").c_str(),
                a.value("reason", "").c_str());
  if (r.contains("decided_by"))
    std::printf("  decided by %s: %s\n", r.value("decided_by", "").c_str(),
                r.value("reason", "").c_str());
}

int reviews_list(Options opts) {
  std::string url = admin_url(opts);
  std::string state = opts.take("--state");
  std::string limit = opts.take("--limit");
  bool json = opts.take_switch("--json");
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  std::string path = "/api/v1/reviews";
  std::string q;
  if (!state.empty()) q += "state=" + state;
  if (!limit.empty()) q += std::string(q.empty() ? "" : "&") + "limit=" + limit;
  if (!q.empty()) path += "?" + q;
  Answer a = call(url, "GET", path, {});
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  if (json) {
    std::printf("%s\n", a.body.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "PRINCIPAL", "CONNECTION", "SQL"}};
  for (const auto& r : a.body.value("reviews", Json::array())) {
    std::string sql = r.value("sql", "");
    if (sql.size() > 60) sql = sql.substr(0, 57) + "...";
    rows.push_back({r.value("id", ""), r.value("state", ""), r.value("principal", ""),
                    r.value("connection", ""), sql});
  }
  std::fputs(render_table(rows).c_str(), stdout);
  return 0;
}

int reviews_show(Options opts) {
  std::string url = admin_url(opts);
  bool json = opts.take_switch("--json");
  if (auto e = leftover_error(opts, 1)) return cli_usage_error(kTool, *e, kUsage);
  if (opts.rest().size() != 1) return cli_usage_error(kTool, "a review request ID is required", kUsage);
  Answer a = call(url, "GET", "/api/v1/reviews/" + opts.rest()[0], {});
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  if (json) {
    std::printf("%s\n", a.body.dump(2).c_str());
  } else {
    print_request(a.body);
  }
  return 0;
}

int reviews_decide(Options opts, bool approve) {
  std::string url = admin_url(opts);
  std::string reason = opts.take("--reason");
  std::string sql_file = approve ? opts.take("--sql") : std::string();
  if (auto e = leftover_error(opts, 1)) return cli_usage_error(kTool, *e, kUsage);
  if (opts.rest().size() != 1) return cli_usage_error(kTool, "a review request ID is required", kUsage);
  if (!approve && reason.empty()) return cli_usage_error(kTool, "deny needs --reason TEXT", kUsage);
  Json body = Json::object();
  if (!reason.empty()) body["reason"] = reason;
  if (!sql_file.empty()) {
    std::string sql, why;
    if (!read_input_file(sql_file, sql, why))
      return cli_fail(kTool, "cannot read '" + sql_file + "': " + why);
    while (!sql.empty() && (sql.back() == '\n' || sql.back() == '\r')) sql.pop_back();
    if (sql.empty()) return cli_fail(kTool, sql_file + " holds no statement");
    body["sql"] = sql;
  }
  Answer a = call(url, "POST",
                  "/api/v1/reviews/" + opts.rest()[0] + (approve ? "/approve" : "/deny"),
                  body.dump());
  if (!a.error.empty()) return cli_fail(kTool, a.error);
  print_request(a.body);
  return 0;
}

}  // namespace

int run_reviews(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kUsage,
                         {{"list", reviews_list},
                          {"show", reviews_show},
                          {"approve", [](Options o) { return reviews_decide(std::move(o), true); }},
                          {"deny", [](Options o) { return reviews_decide(std::move(o), false); }}});
}

}  // namespace gh::app
