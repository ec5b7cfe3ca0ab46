#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: gatehouse <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve --config FILE                 run the gateway\n"
    "  check --config FILE                 validate the config; prints file:line: problem\n"
    "  policy explain --config FILE --connection C [--groups a,b] [--principal P] --sql TEXT\n"
    "                                      show the guardrails decision for a statement\n"
    "  policy pack [NAME]                  print a built-in rule pack (agent-safe)\n"
    "  keys create --config FILE --name NAME --groups a,b [--owner WHO] [--expires 30d]\n"
    "  keys list --config FILE\n"
    "  keys revoke --config FILE NAME\n"
    "  audit keygen --config FILE [--force]  create the audit signing key pair\n"
    "  audit verify --config FILE [--since T]\n"
    "                                      prove the audit log intact; names what is not\n"
    "  audit export --config FILE --since T --until T --format jsonl|csv|ocsf\n"
    "               [--session ID] [--out FILE] [--all]\n"
    "  sessions list --config FILE [--since T] [--until T] [--principal P] [--connection C]\n"
    "  sessions show --config FILE SESSION_ID   replay one session as a timeline\n"
    "  reviews list|show|approve|deny            review requests, through the admin API\n"
    "  access request|list|revoke                time-boxed access grants (admin API)\n"
    "                                            ($GATEHOUSE_ADMIN_URL, token $GATEHOUSE_TOKEN)\n"
    "  evidence --config FILE --since T --until T --out DIR\n"
    "                                      the auditor's bundle for a period\n"
    "\n"
    "T: RFC 3339 (2026-11-23T10:00:00Z), a date (2026-11-23), or a duration back from now "
    "(24h, 7d)\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "serve") return gh::app::run_serve(args);
  if (cmd == "check") return gh::app::run_check(args);
  if (cmd == "keys") return gh::app::run_keys(args);
  if (cmd == "audit") return gh::app::run_audit(args);
  if (cmd == "sessions") return gh::app::run_sessions(args);
  if (cmd == "reviews") return gh::app::run_reviews(args);
  if (cmd == "access") return gh::app::run_access(args);
  if (cmd == "evidence") return gh::app::run_evidence(args);
  if (cmd == "policy") return gh::app::run_policy(args);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "gatehouse: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
