#pragma once

// Small text helpers shared by the CLI and its renderers.

#include <string>
#include <string_view>
#include <vector>

namespace gh {

// Client-supplied text made safe for a terminal: control characters (but tabs, and newlines
// when `keep_newlines`) are shown as \xHH, so a terminal never acts on them.
std::string printable(std::string_view s, bool keep_newlines = false);

// "a, b,,c" -> {"a", "b", "c"}: comma-separated items, trimmed of spaces, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace gh
