// `gatehouse check --config FILE`: loads the config and its guardrails policy the way `serve`
// would (secrets and included rule files too) and reports every problem as `file:line: problem`
// on stderr.

#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/options.h"
#include "config/config.h"
#include "masking/rules.h"
#include "policy/load.h"

namespace gh::app {

namespace {

constexpr const char* kCheckUsage = "usage: gatehouse check --config FILE\n";

int usage_error(const std::string& problem) {
  std::fprintf(stderr, "gatehouse check: %s\n%s", problem.c_str(), kCheckUsage);
  return 2;
}

}  // namespace

int run_check(const std::vector<std::string>& args) {
  Options opts(args);
  if (opts.take_switch("--help") || opts.take_switch("-h")) {
    std::fputs(kCheckUsage, stdout);
    return 0;
  }
  std::string config_path = opts.take("--config");
  if (!opts.rest().empty()) {
    const std::string& a = opts.rest()[0];
    return usage_error(a.rfind('-', 0) == 0 ? "unknown option or option without a value '" + a + "'"
                                            : "unexpected argument '" + a + "'");
  }
  if (config_path.empty()) return usage_error("--config FILE is required");

  auto cfg = config::load_file(config_path, /*resolve_secrets=*/true);
  if (!cfg.ok()) {
    if (cfg.status().code() == Status::Code::kInvalid) {
      // Already `file:line: problem` lines.
      std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    } else {
      std::fprintf(stderr, "gatehouse check: %s\n", cfg.status().message().c_str());
    }
    return 1;
  }
  auto policy = policy::load_policy(*cfg);
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.status().message().c_str());
    return 1;
  }
  auto masking = masking::compile_rules(cfg->masking, cfg->path);
  if (!masking.ok()) {
    std::fprintf(stderr, "%s\n", masking.status().message().c_str());
    return 1;
  }
  std::printf("config ok: %zu connections, %zu access rules, %zu token issuers, %zu guardrail "
              "rules, %zu masking rules (%s)\n",
              cfg->connections.size(), cfg->access.size(), cfg->identity.issuers.size(),
              (*policy)->rules().size(), (*masking)->rules().size(), config_path.c_str());
  if ((*policy)->rules().empty())
    std::fprintf(stderr, "warning: no guardrail rules: statements are not checked (add "
                         "guardrails: { include: [agent-safe] })\n");
  if (cfg->access.empty())
    std::fprintf(stderr, "warning: no access rules: every login will be refused (deny by default)\n");
  return 0;
}

}  // namespace gh::app
