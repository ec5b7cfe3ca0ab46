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
    "  keys create --config FILE --name NAME --groups a,b [--owner WHO] [--expires 30d]\n"
    "  keys list --config FILE\n"
    "  keys revoke --config FILE NAME\n";

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
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "gatehouse: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
