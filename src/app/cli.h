#pragma once

// What every subcommand shares: error reporting ("gatehouse <tool>: <problem>" on
// stderr; exit 1 for a failure, 2 for a usage error), leftover-argument checks, and
// dispatching `gatehouse <tool> <subcommand>`.

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/options.h"

namespace gh::app {

int cli_fail(std::string_view tool, const std::string& problem);
int cli_usage_error(std::string_view tool, const std::string& problem, const char* usage);

// Whatever a subcommand did not take: a stray option is an error, the rest are positional.
std::optional<std::string> leftover_error(const Options& opts, size_t max_positional);

// Reads a file named on the command line whole ("-" = standard input); false with `why`.
bool read_input_file(const std::string& path, std::string& out, std::string& why);

using Subcommand = std::function<int(Options)>;

// Runs args[0] from `subs` with the remaining arguments; --help/-h/help print `usage`.
int run_subcommands(std::string_view tool, const std::vector<std::string>& args, const char* usage,
                    std::initializer_list<std::pair<std::string_view, Subcommand>> subs);

}  // namespace gh::app
