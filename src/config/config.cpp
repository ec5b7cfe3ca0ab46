#include "config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <system_error>

#include "common/crypto.h"
#include "config/units.h"

namespace gh::config {

namespace {

namespace fs = std::filesystem;

// Known keys of each nested section; anything else is reported as unknown. Top-level keys
// are the table Loader::kTopLevelKeys, which also names the parser of each section.
constexpr std::string_view kClientTlsKeys[] = {"cert_file", "key_file", "require"};
constexpr std::string_view kLimitsKeys[] = {"startup_timeout", "idle_timeout",
                                            "max_message_size", "max_connections"};
constexpr std::string_view kConnectionKeys[] = {
    "name",         "host",          "port", "database",        "user",
    "password_env", "password_file", "tls",  "connect_timeout",
};
constexpr std::string_view kBackendTlsKeys[] = {"mode", "ca_file"};
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};

constexpr uint64_t kMinMessageSize = uint64_t{1} << 10;
constexpr uint64_t kMaxMessageSize = uint64_t{1} << 30;
constexpr int kMaxWorkers = 1024;
constexpr const char* kDurationHint = "a duration such as 500ms, 10s, 5m, 8h or 30d (or 0)";

struct Problem {
  int line;
  std::string text;
};

// One `key: value` pair of a mapping. `path` names it in messages ("limits.idle_timeout").
struct Entry {
  std::string key;
  std::string path;
  YAML::Node value;
  int line;      // of the value if it is a scalar, else of the key
  int key_line;  // for problems with the section as a whole ("tls: key_file is required")
};

// 1-based line of a node, or `fallback` for nodes without a position.
int line_of(const YAML::Node& node, int fallback) {
  YAML::Mark m = node.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

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

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

bool is_env_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// "host:port" or "[v6addr]:port". An unbracketed IPv6 address is ambiguous and rejected.
std::optional<std::pair<std::string, uint16_t>> split_host_port(std::string_view s) {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (host.empty() || host.find_first_of(" \t[]") != std::string_view::npos) return std::nullopt;
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  return std::pair{std::string(host), *p};
}

// Why a file cannot be read, or nullopt if it can.
std::optional<std::string> unreadable_reason(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return std::string("no such file");
  if (fs::is_directory(st)) return std::string("is a directory");
  if (::access(path.c_str(), R_OK) != 0) return std::string(std::strerror(errno));
  return std::nullopt;
}

class Loader {
 public:
  Loader(std::string file, bool resolve_secrets)
      : file_(std::move(file)), resolve_secrets_(resolve_secrets) {
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(file_), ec);
    base_dir_ = ec ? fs::path(file_).parent_path() : abs.parent_path();
  }

  Result<Config> load(const std::string& text);

 private:
  using SectionParser = void (Loader::*)(const Entry&, Config&);
  struct TopLevelKey {
    std::string_view key;
    SectionParser parse;
  };
  // Every top-level key and its parser. A new section is one row here plus its parser.
  static const TopLevelKey kTopLevelKeys[];

  void problem(int line, std::string text) { problems_.push_back({line, std::move(text)}); }

  // The pairs of `map`, with unknown, duplicate and non-string keys reported.
  std::vector<Entry> entries(const YAML::Node& map, std::string_view prefix,
                             std::string_view section, std::span<const std::string_view> known);
  bool expect_map(const YAML::Node& node, const std::string& path, int line);

  // Typed readers: each reports a problem naming the entry and returns nullopt on a bad value.
  std::optional<std::string> read_string(const Entry& e);
  std::optional<int64_t> read_int(const Entry& e, int64_t min, int64_t max,
                                  std::string_view expected);
  std::optional<bool> read_bool(const Entry& e);
  std::optional<std::chrono::milliseconds> read_duration(const Entry& e);
  std::optional<std::string> read_path(const Entry& e);  // resolved against the config's dir
  std::optional<std::string> read_choice(const Entry& e, std::span<const std::string_view> opts);
  void check_readable(const std::string& path, const std::string& what, int line);

  void parse_listen(const Entry& e, Config& cfg);
  void parse_workers(const Entry& e, Config& cfg);
  void parse_data_dir(const Entry& e, Config& cfg);
  void parse_log_level(const Entry& e, Config& cfg);
  void parse_tls(const Entry& e, Config& cfg);
  void parse_limits(const Entry& e, Config& cfg);
  void parse_connections(const Entry& e, Config& cfg);
  void parse_connection(const YAML::Node& node, const std::string& path, int fallback_line,
                        Config& cfg);
  void parse_backend_tls(const Entry& e, BackendTls& tls);

  std::string file_;
  fs::path base_dir_;
  bool resolve_secrets_;
  std::vector<Problem> problems_;
  std::map<std::string, int, std::less<>> connection_lines_;  // name -> line of first use
};

const Loader::TopLevelKey Loader::kTopLevelKeys[] = {
    {"listen", &Loader::parse_listen},
    {"workers", &Loader::parse_workers},
    {"data_dir", &Loader::parse_data_dir},
    {"log_level", &Loader::parse_log_level},
    {"tls", &Loader::parse_tls},
    {"limits", &Loader::parse_limits},
    {"connections", &Loader::parse_connections},
};

Result<Config> Loader::load(const std::string& text) {
  Config cfg;
  cfg.path = file_;
  cfg.config_hash = crypto::to_hex(crypto::sha256(text));
  cfg.data_dir = (base_dir_ / cfg.data_dir).lexically_normal().string();

  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      problem(e.mark.is_null() ? 1 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    if (problems_.empty()) {
      if (root.IsNull()) {
        problem(1, "the config is empty; at least one connection is required");
      } else if (!root.IsMap()) {
        problem(line_of(root, 1), "expected a mapping of settings at the top level");
      } else {
        std::vector<std::string_view> known;
        for (const auto& k : kTopLevelKeys) known.push_back(k.key);
        bool saw_connections = false;
        for (const Entry& e : entries(root, "", "config", known)) {
          for (const auto& k : kTopLevelKeys) {
            if (k.key == e.key) (this->*k.parse)(e, cfg);
          }
          saw_connections = saw_connections || e.key == "connections";
        }
        if (!saw_connections) {
          problem(line_of(root, 1), "connections: at least one connection is required");
        }
      }
    }
  } catch (const YAML::Exception& e) {
    problem(e.mark.is_null() ? 1 : e.mark.line + 1, "cannot read config: " + e.msg);
  } catch (const std::exception& e) {
    problem(1, std::string("cannot read config: ") + e.what());
  }

  if (problems_.empty()) return cfg;
  std::stable_sort(problems_.begin(), problems_.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string msg;
  for (const Problem& p : problems_) {
    if (!msg.empty()) msg += '\n';
    msg += file_ + ":" + std::to_string(p.line) + ": " + p.text;
  }
  return Status::Invalid(std::move(msg));
}

std::vector<Entry> Loader::entries(const YAML::Node& map, std::string_view prefix,
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

bool Loader::expect_map(const YAML::Node& node, const std::string& path, int line) {
  if (node.IsMap()) return true;
  problem(line, path + ": expected a mapping");
  return false;
}

std::optional<std::string> Loader::read_string(const Entry& e) {
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

std::optional<int64_t> Loader::read_int(const Entry& e, int64_t min, int64_t max,
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

std::optional<bool> Loader::read_bool(const Entry& e) {
  bool v = false;
  if (e.value.IsScalar() && YAML::convert<bool>::decode(e.value, v)) return v;
  problem(e.line, e.path + ": expected true or false");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> Loader::read_duration(const Entry& e) {
  if (e.value.IsScalar()) {
    if (auto d = parse_duration(e.value.Scalar())) return d;
  }
  problem(e.line, e.path + ": expected " + kDurationHint);
  return std::nullopt;
}

std::optional<std::string> Loader::read_path(const Entry& e) {
  auto s = read_string(e);
  if (!s) return std::nullopt;
  fs::path p(*s);
  if (p.is_relative()) p = base_dir_ / p;
  return p.lexically_normal().string();
}

std::optional<std::string> Loader::read_choice(const Entry& e,
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

void Loader::check_readable(const std::string& path, const std::string& what, int line) {
  if (!resolve_secrets_) return;
  if (auto why = unreadable_reason(path)) {
    problem(line, what + ": cannot read '" + path + "': " + *why);
  }
}

void Loader::parse_listen(const Entry& e, Config& cfg) {
  std::optional<std::pair<std::string, uint16_t>> hp;
  if (e.value.IsScalar()) hp = split_host_port(e.value.Scalar());
  if (!hp) {
    problem(e.line, "listen: expected host:port (such as 127.0.0.1:6432 or [::1]:6432)");
    return;
  }
  cfg.listen = e.value.Scalar();
  cfg.listen_host = std::move(hp->first);
  cfg.listen_port = hp->second;
}

void Loader::parse_workers(const Entry& e, Config& cfg) {
  if (auto v = read_int(e, 0, kMaxWorkers, "an integer from 0 (one per core) to 1024")) {
    cfg.workers = static_cast<int>(*v);
  }
}

void Loader::parse_data_dir(const Entry& e, Config& cfg) {
  if (auto p = read_path(e)) cfg.data_dir = std::move(*p);
}

void Loader::parse_log_level(const Entry& e, Config& cfg) {
  if (auto v = read_choice(e, kLogLevels)) cfg.log_level = std::move(*v);
}

void Loader::parse_tls(const Entry& e, Config& cfg) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  ClientTls tls;
  int cert_line = 0;  // 0 while unset or invalid
  int key_line = 0;
  bool has_cert = false;
  bool has_key = false;
  for (const Entry& f : entries(e.value, e.path, "tls", kClientTlsKeys)) {
    if (f.key == "cert_file") {
      has_cert = true;
      if (auto p = read_path(f)) {
        tls.cert_file = std::move(*p);
        cert_line = f.line;
      }
    } else if (f.key == "key_file") {
      has_key = true;
      if (auto p = read_path(f)) {
        tls.key_file = std::move(*p);
        key_line = f.line;
      }
    } else if (f.key == "require") {
      if (auto b = read_bool(f)) tls.require = *b;
    }
  }
  if (!has_cert) problem(e.key_line, "tls: cert_file is required");
  if (!has_key) problem(e.key_line, "tls: key_file is required");
  if (cert_line != 0) check_readable(tls.cert_file, "tls.cert_file", cert_line);
  if (key_line != 0) check_readable(tls.key_file, "tls.key_file", key_line);
  cfg.tls = std::move(tls);
}

void Loader::parse_limits(const Entry& e, Config& cfg) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  Limits& l = cfg.limits;
  for (const Entry& f : entries(e.value, e.path, "limits", kLimitsKeys)) {
    if (f.key == "startup_timeout") {
      if (auto d = read_duration(f)) l.startup_timeout = *d;
    } else if (f.key == "idle_timeout") {
      if (auto d = read_duration(f)) l.idle_timeout = *d;
    } else if (f.key == "max_message_size") {
      std::optional<uint64_t> size;
      if (f.value.IsScalar()) size = parse_size(f.value.Scalar());
      if (!size) {
        problem(f.line, f.path + ": expected a size such as 1048576, 1KB, 64MB or 1GB");
      } else if (*size < kMinMessageSize || *size > kMaxMessageSize) {
        problem(f.line, f.path + ": must be between 1KB and 1GB");
      } else {
        l.max_message_size = static_cast<uint32_t>(*size);
      }
    } else if (f.key == "max_connections") {
      if (auto v = read_int(f, 1, INT32_MAX, "a positive integer")) {
        l.max_connections = static_cast<uint32_t>(*v);
      }
    }
  }
}

void Loader::parse_connections(const Entry& e, Config& cfg) {
  if (!e.value.IsSequence()) {
    problem(e.key_line, "connections: expected a list of connections");
    return;
  }
  if (e.value.size() == 0) {
    problem(e.key_line, "connections: at least one connection is required");
    return;
  }
  for (size_t i = 0; i < e.value.size(); ++i) {
    parse_connection(e.value[i], "connections[" + std::to_string(i) + "]", e.key_line, cfg);
  }
}

void Loader::parse_connection(const YAML::Node& node, const std::string& path,
                              int fallback_line, Config& cfg) {
  int line = line_of(node, fallback_line);
  if (!node.IsMap()) {
    problem(line, path + ": expected a mapping with name, host, port, user, ...");
    return;
  }
  Connection c;
  c.where = {file_, line};
  bool has_name = false;
  bool has_user = false;
  int env_line = 0;
  int file_line = 0;
  for (const Entry& f : entries(node, path, "connection", kConnectionKeys)) {
    if (f.key == "name") {
      has_name = true;
      auto s = read_string(f);
      if (!s) continue;
      if (!std::all_of(s->begin(), s->end(), is_name_char)) {
        problem(f.line, f.path + ": may contain only letters, digits, '_', '.' and '-'");
        continue;
      }
      if (auto [pos, fresh] = connection_lines_.emplace(*s, f.line); !fresh) {
        problem(f.line, f.path + ": connection name '" + *s + "' is already used on line " +
                            std::to_string(pos->second));
        continue;
      }
      c.name = std::move(*s);
    } else if (f.key == "host") {
      if (auto s = read_string(f)) c.host = std::move(*s);
    } else if (f.key == "port") {
      if (auto v = read_int(f, 1, 65535, "a port number 1-65535")) {
        c.port = static_cast<uint16_t>(*v);
      }
    } else if (f.key == "database") {
      if (auto s = read_string(f)) c.database = std::move(*s);
    } else if (f.key == "user") {
      has_user = true;
      if (auto s = read_string(f)) c.user = std::move(*s);
    } else if (f.key == "password_env") {
      auto s = read_string(f);
      if (!s) continue;
      if (!is_env_name(*s)) {
        problem(f.line, f.path + ": expected the name of an environment variable");
        continue;
      }
      c.password_env = std::move(*s);
      env_line = f.line;
    } else if (f.key == "password_file") {
      if (auto p = read_path(f)) {
        c.password_file = std::move(*p);
        file_line = f.line;
      }
    } else if (f.key == "tls") {
      parse_backend_tls(f, c.tls);
    } else if (f.key == "connect_timeout") {
      auto d = read_duration(f);
      if (d && d->count() == 0) {
        problem(f.line, f.path + ": must be greater than 0");
      } else if (d) {
        c.connect_timeout = *d;
      }
    }
  }
  if (!has_name) problem(line, path + ": name is required");
  if (!has_user) problem(line, path + ": user is required");
  if (c.database.empty()) c.database = c.name;

  if (env_line != 0 && file_line != 0) {
    problem(std::max(env_line, file_line),
            path + ": set at most one of password_env and password_file");
  } else if (resolve_secrets_ && env_line != 0) {
    const char* v = std::getenv(c.password_env.c_str());
    if (v == nullptr) {
      problem(env_line, path + ".password_env: environment variable '" + c.password_env +
                            "' is not set");
    } else {
      c.password = v;
    }
  } else if (resolve_secrets_ && file_line != 0) {
    std::string what = path + ".password_file";
    if (auto why = unreadable_reason(c.password_file)) {
      problem(file_line, what + ": cannot read '" + c.password_file + "': " + *why);
    } else if (FILE* f = std::fopen(c.password_file.c_str(), "rb"); f == nullptr) {
      problem(file_line, what + ": cannot read '" + c.password_file + "': " + std::strerror(errno));
    } else {
      char buf[4096];
      size_t n = 0;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) c.password.append(buf, n);
      bool failed = std::ferror(f) != 0;
      std::fclose(f);
      if (failed) {
        c.password.clear();
        problem(file_line, what + ": cannot read '" + c.password_file + "'");
      }
      while (!c.password.empty() && (c.password.back() == '\n' || c.password.back() == '\r')) {
        c.password.pop_back();
      }
    }
  }
  cfg.connections.push_back(std::move(c));
}

void Loader::parse_backend_tls(const Entry& e, BackendTls& tls) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  int ca_line = 0;
  bool has_ca = false;
  for (const Entry& f : entries(e.value, e.path, "connection tls", kBackendTlsKeys)) {
    if (f.key == "mode") {
      static constexpr std::string_view kModes[] = {"disable", "require", "verify-full"};
      auto m = read_choice(f, kModes);
      if (!m) continue;
      tls.mode = *m == "disable"   ? BackendTlsMode::kDisable
                 : *m == "require" ? BackendTlsMode::kRequire
                                   : BackendTlsMode::kVerifyFull;
    } else if (f.key == "ca_file") {
      has_ca = true;
      if (auto p = read_path(f)) {
        tls.ca_file = std::move(*p);
        ca_line = f.line;
      }
    }
  }
  if (tls.mode == BackendTlsMode::kVerifyFull && !has_ca) {
    problem(e.key_line, e.path + ".ca_file: required when mode is verify-full");
  }
  if (ca_line != 0) check_readable(tls.ca_file, e.path + ".ca_file", ca_line);
}

}  // namespace

Result<Config> load_string(const std::string& text, const std::string& path,
                           bool resolve_secrets) {
  return Loader(path, resolve_secrets).load(text);
}

Result<Config> load_file(const std::string& path, bool resolve_secrets) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Status::Io("cannot read config file '" + path + "': is a directory");
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::Io("cannot read config file '" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::Io("cannot read config file '" + path + "'");
  return load_string(text, path, resolve_secrets);
}

}  // namespace gh::config
