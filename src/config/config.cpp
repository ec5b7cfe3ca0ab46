#include "config/config.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <system_error>

#include "common/crypto.h"
#include "config/units.h"
#include "config/loader.h"
#include "config/yaml_reader.h"

namespace gh::config {

namespace {

namespace fs = std::filesystem;

// Known keys of each nested section; anything else is reported as unknown. Top-level keys
// are the table Loader::kTopLevelKeys, which also names the parser of each section. Later
// sections (audit, guardrails, masking, ...) follow the same pattern, in their own files if
// they grow large, on top of YamlReader.
constexpr std::string_view kClientTlsKeys[] = {"cert_file", "key_file", "require"};
constexpr std::string_view kLimitsKeys[] = {"startup_timeout", "idle_timeout", "max_message_size",
                                            "max_connections"};
constexpr std::string_view kAuditKeys[] = {"dir",          "durability",    "signing_key",
                                           "retention_days", "segment_size", "checkpoint_interval",
                                           "sync_interval"};
constexpr std::string_view kRecordingKeys[] = {"param_max_bytes", "statement_params_max_bytes",
                                               "result_rows", "result_value_max_bytes"};
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};

constexpr uint64_t kMinMessageSize = uint64_t{1} << 10;
constexpr uint64_t kMaxMessageSize = uint64_t{1} << 30;
constexpr int kMaxWorkers = 1024;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

fs::path config_dir(const std::string& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(file), ec);
  return ec ? fs::path(file).parent_path() : abs.parent_path();
}

}  // namespace

namespace detail {

bool is_env_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_plain_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char);
}

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

bool is_ip_address(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

const Loader::TopLevelKey Loader::kTopLevelKeys[] = {
    {"listen", &Loader::parse_listen},
    {"workers", &Loader::parse_workers},
    {"data_dir", &Loader::parse_data_dir},
    {"log_level", &Loader::parse_log_level},
    {"tls", &Loader::parse_tls},
    {"limits", &Loader::parse_limits},
    {"connections", &Loader::parse_connections},
    {"audit", &Loader::parse_audit},
    {"recording", &Loader::parse_recording},
    {"identity", &Loader::parse_identity},
    {"access", &Loader::parse_access},
    {"guardrails", &Loader::parse_guardrails},
    {"masking", &Loader::parse_masking},
    {"admin", &Loader::parse_admin},
    {"review", &Loader::parse_review},
};

Result<Config> Loader::load(const std::string& text) {
  Config cfg;
  cfg.path = file();
  cfg.config_hash = crypto::to_hex(crypto::sha256(text));
  cfg.data_dir = (base_dir() / cfg.data_dir).lexically_normal().string();

  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      problem(e.mark.is_null() ? 1 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    if (!has_problems()) {
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

  if (!has_problems()) check_access(cfg);
  if (!has_problems()) check_masking(cfg);
  if (!has_problems()) check_admin(cfg);
  if (cfg.audit.dir.empty()) cfg.audit.dir = (fs::path(cfg.data_dir) / "audit").string();
  if (cfg.audit.signing_key.empty())
    cfg.audit.signing_key = (fs::path(cfg.data_dir) / "audit-signing.key").string();
  if (!has_problems()) return cfg;
  return problems_status();
}

void Loader::parse_listen(const Entry& e, Config& cfg) {
  std::optional<std::pair<std::string, uint16_t>> hp;
  if (e.value.IsScalar()) hp = split_host_port(e.value.Scalar());
  if (!hp) {
    problem(e.line, "listen: expected host:port (such as 127.0.0.1:6432 or [::1]:6432)");
    return;
  }
  if (!is_ip_address(hp->first)) {
    problem(e.line, "listen: '" + hp->first + "' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 ...)");
    return;
  }
  cfg.listen = e.value.Scalar();
  cfg.listen_host = std::move(hp->first);
  cfg.listen_port = hp->second;
}

void Loader::parse_guardrails(const Entry& e, Config& cfg) {
  if (!e.value.IsMap()) {
    problem(e.key_line, "guardrails: expected a mapping with include and/or rules");
    return;
  }
  cfg.guardrails.node = std::make_shared<const YAML::Node>(e.value);
  cfg.guardrails.where = {file(), e.key_line};
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
      auto d = read_duration(f);
      if (d && d->count() == 0) {
        problem(f.line, f.path + ": must be greater than 0");
      } else if (d) {
        l.startup_timeout = *d;
      }
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

std::optional<uint64_t> Loader::read_size(const Entry& f, uint64_t min, uint64_t max,
                                          const char* range) {
  std::optional<uint64_t> size;
  if (f.value.IsScalar()) size = parse_size(f.value.Scalar());
  if (!size) {
    problem(f.line, f.path + ": expected a size such as 1048576, 1KB, 64MB or 1GB");
    return std::nullopt;
  }
  if (*size < min || *size > max) {
    problem(f.line, f.path + ": must be between " + range);
    return std::nullopt;
  }
  return size;
}

std::optional<std::chrono::seconds> Loader::read_seconds(const Entry& f, std::chrono::seconds min,
                                                         std::chrono::seconds max) {
  auto d = read_duration(f);
  if (!d) return std::nullopt;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(*d);
  if (secs < min || (max.count() > 0 && secs > max)) {
    std::string range = "at least " + std::to_string(min.count()) + "s";
    if (max.count() > 0) range += " and at most " + std::to_string(max.count()) + "s";
    problem(f.line, f.path + ": must be " + range);
    return std::nullopt;
  }
  return secs;
}

std::optional<std::vector<std::string>> Loader::read_string_list(const Entry& f) {
  std::vector<std::string> out;
  if (f.value.IsScalar() && !f.value.Scalar().empty()) {
    out.push_back(f.value.Scalar());
    return out;
  }
  if (f.value.IsSequence()) {
    for (const auto& item : f.value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        problem(line_of(item, f.line), f.path + ": expected non-empty strings");
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
    if (!out.empty()) return out;
  }
  problem(f.line, f.path + ": expected a string or a list of strings");
  return std::nullopt;
}

void Loader::parse_audit(const Entry& e, Config& cfg) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  AuditConfig& a = cfg.audit;
  for (const Entry& f : entries(e.value, e.path, "audit", kAuditKeys)) {
    if (f.key == "dir") {
      if (auto p = read_path(f)) a.dir = std::move(*p);
    } else if (f.key == "signing_key") {
      if (auto p = read_path(f)) a.signing_key = std::move(*p);
    } else if (f.key == "durability") {
      auto s = read_string(f);
      if (s && *s == "balanced") {
        a.durability = Durability::kBalanced;
      } else if (s && *s == "strict") {
        a.durability = Durability::kStrict;
      } else if (s) {
        problem(f.line, f.path + ": expected balanced or strict");
      }
    } else if (f.key == "retention_days") {
      if (auto v = read_int(f, 0, 36500, "a number of days (0 = keep everything)"))
        a.retention_days = static_cast<int>(*v);
    } else if (f.key == "segment_size") {
      if (auto v = read_size(f, uint64_t{64} << 10, uint64_t{4} << 30, "64KB and 4GB"))
        a.segment_size = *v;
    } else if (f.key == "checkpoint_interval") {
      auto d = read_duration(f);
      if (d && d->count() < 100) {
        problem(f.line, f.path + ": must be at least 100ms");
      } else if (d) {
        a.checkpoint_interval = *d;
      }
    } else if (f.key == "sync_interval") {
      auto d = read_duration(f);
      if (d && (d->count() < 1 || d->count() > 1000)) {
        problem(f.line, f.path + ": must be between 1ms and 1s");
      } else if (d) {
        a.sync_interval = *d;
      }
    }
  }
}

void Loader::parse_recording(const Entry& e, Config& cfg) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  RecordingConfig& r = cfg.recording;
  for (const Entry& f : entries(e.value, e.path, "recording", kRecordingKeys)) {
    if (f.key == "param_max_bytes") {
      if (auto v = read_size(f, 0, uint64_t{1} << 20, "0 and 1MB"))
        r.param_max_bytes = static_cast<uint32_t>(*v);
    } else if (f.key == "statement_params_max_bytes") {
      if (auto v = read_size(f, 0, uint64_t{16} << 20, "0 and 16MB"))
        r.statement_params_max_bytes = static_cast<uint32_t>(*v);
    } else if (f.key == "result_rows") {
      if (auto v = read_int(f, 0, 10000, "a row count from 0 to 10000"))
        r.result_rows = static_cast<uint32_t>(*v);
    } else if (f.key == "result_value_max_bytes") {
      if (auto v = read_size(f, 0, uint64_t{1} << 20, "0 and 1MB"))
        r.result_value_max_bytes = static_cast<uint32_t>(*v);
    }
  }
}

}  // namespace detail

Result<Config> load_string(const std::string& text, const std::string& path, bool resolve_secrets) {
  return detail::Loader(path, config_dir(path), resolve_secrets).load(text);
}

Result<Config> load_file(const std::string& path, bool resolve_secrets) {
  std::string text;
  std::string why;
  if (!read_file(path, text, why)) {
    return Status::Io("cannot read config file '" + path + "': " + why);
  }
  return load_string(text, path, resolve_secrets);
}

std::string ReviewConfig::url_of(std::string_view id, const std::optional<AdminConfig>& admin) const {
  if (!url.empty()) {
    std::string out = url;
    for (size_t at = out.find("{id}"); at != std::string::npos; at = out.find("{id}", at + id.size()))
      out.replace(at, 4, id);
    return out;
  }
  if (!admin) return {};
  return std::string(admin->tls ? "https://" : "http://") + admin->listen + "/api/v1/reviews/" +
         std::string(id);
}

}  // namespace gh::config
