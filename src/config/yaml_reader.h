#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gh::config {

// One `key: value` pair of a mapping. `path` names it in messages ("limits.idle_timeout").
struct Entry {
  std::string key;
  std::string path;
  YAML::Node value;
  int line;      // of the value if it is a scalar, else of the key
  int key_line;  // for problems with the section as a whole ("tls: key_file is required")
};

// 1-based line of a node, or `fallback` for nodes without a position.
int line_of(const YAML::Node& node, int fallback);

// Why a file cannot be read, or nullopt if it can.
std::optional<std::string> unreadable_reason(const std::string& path);
// Reads a whole file into `out`; false with `why` set if it cannot.
bool read_file(const std::string& path, std::string& out, std::string& why);

// The generic half of config loading: walks yaml-cpp nodes, reads typed values and collects
// every problem with its line, so that one run reports all of them. Section parsers (the
// gatehouse schema in config.cpp, and any later section in its own file) build on it.
class YamlReader {
 public:
  // `base_dir` resolves relative paths; `check_files` = false skips existence checks of files
  // only the server reads.
  YamlReader(std::string file, std::filesystem::path base_dir, bool check_files)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), check_files_(check_files) {}

  void problem(int line, std::string text) { problems_.push_back({line, std::move(text)}); }
  bool has_problems() const { return !problems_.empty(); }
  // All problems as `file:line: problem` lines in line order, in a Status::Invalid.
  Status problems_status();

  // The pairs of `map`, with unknown, duplicate and non-string keys reported. `section` names
  // the mapping in messages ("unknown key 'foo' in connection"); `prefix` starts each path.
  std::vector<Entry> entries(const YAML::Node& map, std::string_view prefix,
                             std::string_view section, std::span<const std::string_view> known);
  bool expect_map(const YAML::Node& node, const std::string& path, int line);

  // Typed readers: each reports a problem naming the entry and returns nullopt on a bad value.
  std::optional<std::string> read_string(const Entry& e);  // non-empty
  std::optional<int64_t> read_int(const Entry& e, int64_t min, int64_t max,
                                  std::string_view expected);
  std::optional<bool> read_bool(const Entry& e);
  std::optional<std::chrono::milliseconds> read_duration(const Entry& e);
  std::optional<std::string> read_path(const Entry& e);  // resolved against base_dir
  std::optional<std::string> read_choice(const Entry& e, std::span<const std::string_view> opts);
  // Reports `what: cannot read 'path': why` unless the file is readable (or checks are off).
  void check_readable(const std::string& path, const std::string& what, int line);

  const std::string& file() const { return file_; }
  const std::filesystem::path& base_dir() const { return base_dir_; }

 private:
  struct Problem {
    int line;
    std::string text;
  };

  std::string file_;
  std::filesystem::path base_dir_;
  bool check_files_;
  std::vector<Problem> problems_;
};

}  // namespace gh::config
