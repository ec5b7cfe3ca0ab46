// `gatehouse policy explain|pack`: what the guardrails decide for a statement and an identity,
// without a server; and the text of a built-in rule pack.
//
// Exit codes of explain: 0 the statement is allowed, 1 it is not (blocked or sent to review;
// --json tells which), 2 bad input (usage, config or policy problems, unreadable SQL file).

#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"
#include "common/text.h"
#include "app/commands.h"
#include "app/options.h"
#include "config/config.h"
#include "config/yaml_reader.h"
#include "identity/principal.h"
#include "policy/agent_safe_pack.h"
#include "policy/explain.h"
#include "policy/load.h"
#include "sql/analyzer.h"

namespace gh::app {

namespace {

constexpr std::string_view kTool = "policy";
constexpr const char* kUsage =
    "usage: gatehouse policy explain --config FILE --connection NAME [--groups a,b]\n"
    "                                [--principal NAME] (--sql TEXT | --sql-file FILE|-)\n"
    "                                [--estimated-rows N] [--estimated-cost N] [--json]\n"
    "       gatehouse policy pack [NAME]     print a built-in rule pack (agent-safe)\n"
    "explain exits 0 when the statement is allowed, 1 when it is blocked or needs review,\n"
    "2 on bad input.\n";

int usage_error(const std::string& problem) { return cli_usage_error(kTool, problem, kUsage); }

int bad_input(const std::string& problem) {
  std::fprintf(stderr, "gatehouse policy: %s\n", problem.c_str());
  return 2;
}

std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || v < 0) return std::nullopt;
  return v;
}

int policy_explain(Options opts) {
  const std::string config_path = opts.take("--config");
  const std::string connection = opts.take("--connection");
  const std::string groups = opts.take("--groups");
  const std::string principal_name = opts.take("--principal");
  const std::string sql_text = opts.take("--sql");
  const std::string sql_file = opts.take("--sql-file");
  const std::string rows_text = opts.take("--estimated-rows");
  const std::string cost_text = opts.take("--estimated-cost");
  const bool json = opts.take_switch("--json");
  if (auto err = leftover_error(opts, 0)) return usage_error(*err);
  if (config_path.empty()) return usage_error("--config FILE is required");
  if (connection.empty()) return usage_error("--connection NAME is required");
  if (sql_text.empty() == sql_file.empty())
    return usage_error("give the statement with exactly one of --sql TEXT and --sql-file FILE");

  std::optional<double> rows, cost;
  if (!rows_text.empty() && !(rows = parse_number(rows_text)))
    return usage_error("--estimated-rows: expected a number >= 0");
  if (!cost_text.empty() && !(cost = parse_number(cost_text)))
    return usage_error("--estimated-cost: expected a number >= 0");

  std::string sql = sql_text;
  if (!sql_file.empty()) {
    std::string why;
    if (!read_input_file(sql_file, sql, why))
      return bad_input("cannot read '" + sql_file + "': " + why);
  }

  auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    return 2;
  }
  if (cfg->find_connection(connection) == nullptr) {
    std::string names;
    for (const auto& c : cfg->connections) names += (names.empty() ? "" : ", ") + c.name;
    return bad_input("no connection named '" + connection + "' in " + config_path +
                     " (connections: " + names + ")");
  }
  auto policy = policy::load_policy(*cfg);
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.status().message().c_str());
    return 2;
  }

  identity::Principal who;
  who.kind = identity::PrincipalKind::kApiKey;
  who.subject = principal_name.empty() ? "policy-explain" : principal_name;
  who.groups = split_list(groups);
  policy::Subject subject{&who, connection};

  sql::Analyzer analyzer;
  const sql::AnalyzedSql& analyzed = analyzer.analyze(sql);
  std::vector<std::optional<policy::CostEstimate>> estimates;
  if (rows || cost) {
    // The same estimate for every statement: enough to try a cost rule by hand.
    policy::CostEstimate e{rows.value_or(0), cost.value_or(0)};
    estimates.assign(analyzed.statements.size(), e);
  }
  policy::DecideContext context;
  context.estimates = estimates;
  const policy::Decision d = (*policy)->decide(analyzed.statements, subject, context);
  const std::string out = json ? policy::explain_json(sql, analyzed.statements, d, subject) + "\n"
                               : policy::explain_text(sql, analyzed.statements, d, subject);
  std::fputs(out.c_str(), stdout);
  return d.allowed() ? 0 : 1;
}

int policy_pack(Options opts) {
  if (auto err = leftover_error(opts, 1)) return usage_error(*err);
  const std::string name = opts.rest().empty() ? "agent-safe" : opts.rest()[0];
  const policy::RulePack* pack = policy::find_rule_pack(name);
  if (pack == nullptr) return usage_error("no built-in rule pack named '" + name + "'");
  std::fwrite(pack->yaml.data(), 1, pack->yaml.size(), stdout);
  return 0;
}

}  // namespace

int run_policy(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kUsage, {{"explain", policy_explain}, {"pack", policy_pack}});
}

}  // namespace gh::app
