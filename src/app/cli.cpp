#include "app/cli.h"

#include <cstdio>
#include <iostream>
#include <iterator>

#include "config/yaml_reader.h"

namespace gh::app {

int cli_fail(std::string_view tool, const std::string& problem) {
  std::fprintf(stderr, "gatehouse %.*s: %s\n", static_cast<int>(tool.size()), tool.data(),
               problem.c_str());
  return 1;
}

int cli_usage_error(std::string_view tool, const std::string& problem, const char* usage) {
  std::fprintf(stderr, "gatehouse %.*s: %s\n%s", static_cast<int>(tool.size()), tool.data(),
               problem.c_str(), usage);
  return 2;
}

std::optional<std::string> leftover_error(const Options& opts, size_t max_positional) {
  size_t positional = 0;
  for (const std::string& a : opts.rest()) {
    if (a.rfind('-', 0) == 0) return "unknown option or option without a value '" + a + "'";
    if (++positional > max_positional) return "unexpected argument '" + a + "'";
  }
  return std::nullopt;
}

int run_subcommands(std::string_view tool, const std::vector<std::string>& args, const char* usage,
                    std::initializer_list<std::pair<std::string_view, Subcommand>> subs) {
  std::string names;
  for (const auto& [name, fn] : subs) names += (names.empty() ? "" : ", ") + std::string(name);
  if (args.empty()) return cli_usage_error(tool, "missing subcommand (" + names + ")", usage);
  const std::string& sub = args[0];
  Options opts(std::vector<std::string>(args.begin() + 1, args.end()));
  if (sub == "-h" || sub == "--help" || sub == "help" || opts.take_switch("--help") ||
      opts.take_switch("-h")) {
    std::fputs(usage, stdout);
    return 0;
  }
  for (const auto& [name, fn] : subs)
    if (sub == name) return fn(std::move(opts));
  return cli_usage_error(tool, "unknown subcommand '" + sub + "'", usage);
}

bool read_input_file(const std::string& path, std::string& out, std::string& why) {
  if (path != "-") return config::read_file(path, out, why);
  out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace gh::app
