#include "config/yaml_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <system_error>

#include "config/units.h"

namespace gh::config {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDurationHint = "a duration such as 500ms, 10s, 5m, 8h or 30d (or 0)";

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string out(prefix);
  out += '.';
  out += key;
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

int line_of(const YAML::Node& node, int fallback) {
  YAML::Mark m = node.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

std::optional<std::string> unreadable_reason(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return std::string("no such file");
  if (fs::is_directory(st)) return std::string("is a directory");
  if (::access(path.c_str(), R_OK) != 0) return std::string(std::strerror(errno));
  return std::nullopt;
}

bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    why = "is a directory";
    return false;
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    why = std::strerror(errno);
    return false;
  }
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    why = "read error";
    out.clear();
    return false;
  }
  return true;
}

Status YamlReader::problems_status() {
  std::stable_sort(problems_.begin(), problems_.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string msg;
  for (const Problem& p : problems_) {
    if (!msg.empty()) msg += '\n';
    msg += file_ + ":" + std::to_string(p.line) + ": " + p.text;
  }
  return Status::Invalid(std::move(msg));
}

std::vector<Entry> YamlReader::entries(const YAML::Node& map, std::string_view prefix,
                                       std::string_view section,
                                       std::span<const std::string_view> known) {
  std::vector<Entry> out;
  std::map<std::string, int, std::less<>> seen;
  int map_line = line_of(map, 1);
  for (const auto& pair : map) {
    const YAML::Node key = pair.first;
    int key_line = line_of(key, map_line);
    if (!key.IsScalar()) {
      problem(key_line, "expected a string key in " + std::string(section));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string text = "unknown key '" + name + "' in " + std::string(section);
      if (section == "connection" && name == "password") {
        text += "; a password is never written in the config, use password_env or password_file";
      } else {
        for (std::string_view k : known) {
          if (edit_distance(name, k) <= 2) {
            text += " (did you mean '" + std::string(k) + "'?)";
            break;
          }
        }
      }
      problem(key_line, std::move(text));
      continue;
    }
    if (auto [pos, fresh] = seen.emplace(name, key_line); !fresh) {
      problem(key_line, "duplicate key '" + name + "' in " + std::string(section) +
                            " (first set on line " + std::to_string(pos->second) + ")");
      continue;
    }
    int value_line = pair.second.IsScalar() ? line_of(pair.second, key_line) : key_line;
    out.push_back({name, join_path(prefix, name), pair.second, value_line, key_line});
  }
  return out;
}

bool YamlReader::expect_map(const YAML::Node& node, const std::string& path, int line) {
  if (node.IsMap()) return true;
  problem(line, path + ": expected a mapping");
  return false;
}

std::optional<std::string> YamlReader::read_string(const Entry& e) {
  if (!e.value.IsScalar()) {
    problem(e.line, e.path + ": expected a string");
    return std::nullopt;
  }
  if (e.value.Scalar().empty()) {
    problem(e.line, e.path + ": must not be empty");
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<int64_t> YamlReader::read_int(const Entry& e, int64_t min, int64_t max,
                                            std::string_view expected) {
  if (e.value.IsScalar()) {
    const std::string& s = e.value.Scalar();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && v >= min && v <= max) return v;
  }
  problem(e.line, e.path + ": expected " + std::string(expected));
  return std::nullopt;
}

std::optional<bool> YamlReader::read_bool(const Entry& e) {
  bool v = false;
  if (e.value.IsScalar() && YAML::convert<bool>::decode(e.value, v)) return v;
  problem(e.line, e.path + ": expected true or false");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlReader::read_duration(const Entry& e) {
  if (e.value.IsScalar()) {
    if (auto d = parse_duration(e.value.Scalar())) return d;
  }
  problem(e.line, e.path + ": expected " + kDurationHint);
  return std::nullopt;
}

std::optional<std::string> YamlReader::read_path(const Entry& e) {
  auto s = read_string(e);
  if (!s) return std::nullopt;
  fs::path p(*s);
  if (p.is_relative()) p = base_dir_ / p;
  return p.lexically_normal().string();
}

std::optional<std::string> YamlReader::read_choice(const Entry& e,
                                                   std::span<const std::string_view> opts) {
  if (e.value.IsScalar()) {
    for (std::string_view o : opts) {
      if (o == e.value.Scalar()) return std::string(o);
    }
  }
  std::string list;
  for (std::string_view o : opts) {
    if (!list.empty()) list += '|';
    list += o;
  }
  std::string text = e.path + ": expected one of " + list;
  if (e.value.IsScalar()) text += ", got '" + e.value.Scalar() + "'";
  problem(e.line, std::move(text));
  return std::nullopt;
}

void YamlReader::check_readable(const std::string& path, const std::string& what, int line) {
  if (!check_files_) return;
  if (auto why = unreadable_reason(path)) {
    problem(line, what + ": cannot read '" + path + "': " + *why);
  }
}

}  // namespace gh::config
