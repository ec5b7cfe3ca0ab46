#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace gh::log {

// Sets up the process logger on stderr. Under systemd (JOURNAL_STREAM set) lines carry
// sd-daemon priority prefixes and no timestamp, since journald adds its own.
// `level` is one of trace, debug, info, warn, error.
void init(std::string_view level);

}  // namespace gh::log

#define GH_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
