#pragma once

// Plain-text tables for the CLI: columns padded to their widest cell, two spaces apart.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace gh::app {

// Display width of UTF-8 text (code points; the CLI prints no wide characters itself).
inline size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

inline std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], display_width(r[c]));
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line.append(width[c] - display_width(r[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace gh::app
