// connections: the servers behind gatehouse and the logins it uses on them.

#include <algorithm>

#include "config/loader.h"

namespace gh::config::detail {

namespace {

constexpr std::string_view kConnectionKeys[] = {
    "name",  "host",        "port",          "database", "user",
    "password_env", "password_file", "tls", "connect_timeout", "credentials",
    "roles", "ephemeral_ttl",
};
constexpr std::string_view kLoginKeys[] = {"user", "password_env", "password_file"};
constexpr std::string_view kBackendTlsKeys[] = {"mode", "ca_file"};
constexpr std::string_view kCredentialModes[] = {"static", "ephemeral"};

}  // namespace

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

bool Loader::parse_login_entry(const Entry& f, BackendCredential& cred, int& env_line,
                               int& file_line) {
  if (f.key == "user") {
    if (auto s = read_string(f)) cred.user = std::move(*s);
  } else if (f.key == "password_env") {
    auto s = read_string(f);
    if (!s) return true;
    if (!is_env_name(*s)) {
      problem(f.line, f.path + ": expected the name of an environment variable");
      return true;
    }
    cred.password_env = std::move(*s);
    env_line = f.line;
  } else if (f.key == "password_file") {
    if (auto p = read_path(f)) {
      cred.password_file = std::move(*p);
      file_line = f.line;
    }
  } else {
    return false;
  }
  return true;
}

void Loader::finish_login(BackendCredential& cred, const std::string& path, int line,
                          int env_line, int file_line) {
  if (env_line != 0 && file_line != 0) {
    problem(std::max(env_line, file_line),
            path + ": set at most one of password_env and password_file");
  } else if (resolve_secrets_) {
    resolve_password(cred, path, env_line != 0 ? env_line : file_line);
  }
}

void Loader::parse_connection(const YAML::Node& node, const std::string& path, int fallback_line,
                              Config& cfg) {
  int line = line_of(node, fallback_line);
  if (!node.IsMap()) {
    problem(line, path + ": expected a mapping with name, host, port, user, ...");
    return;
  }
  Connection c;
  c.where = {file(), line};
  bool has_name = false;
  int env_line = 0;
  int file_line = 0;
  int mode_line = 0;
  for (const Entry& f : entries(node, path, "connection", kConnectionKeys)) {
    if (parse_login_entry(f, c.login, env_line, file_line)) continue;
    if (f.key == "name") {
      has_name = true;
      auto s = read_string(f);
      if (!s) continue;
      if (!is_plain_name(*s)) {
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
    } else if (f.key == "tls") {
      parse_backend_tls(f, c.tls);
    } else if (f.key == "connect_timeout") {
      auto d = read_duration(f);
      if (d && d->count() == 0) {
        problem(f.line, f.path + ": must be greater than 0");
      } else if (d) {
        c.connect_timeout = *d;
      }
    } else if (f.key == "credentials") {
      if (auto m = read_choice(f, kCredentialModes)) {
        c.credentials = *m == "ephemeral" ? CredentialMode::kEphemeral : CredentialMode::kStatic;
        mode_line = f.line;
      }
    } else if (f.key == "roles") {
      parse_roles(f, c);
    } else if (f.key == "ephemeral_ttl") {
      if (auto d = read_seconds(f, std::chrono::seconds(60), std::chrono::hours(24 * 7)))
        c.ephemeral_ttl = *d;
    }
  }
  if (!has_name) problem(line, path + ": name is required");
  if (!node["user"].IsDefined()) problem(line, path + ": user is required");
  if (c.database.empty()) c.database = c.name;
  if (c.credentials == CredentialMode::kEphemeral && !c.roles.empty()) {
    problem(mode_line, path + ": roles: lists static logins; with credentials: ephemeral the "
                              "access rule's role is the role each session's login is a member of");
  }
  finish_login(c.login, path, line, env_line, file_line);
  cfg.connections.push_back(std::move(c));
}

// roles: {analyst_ro: {user: ..., password_env: ...}}: the login for each role a rule names.
void Loader::parse_roles(const Entry& e, Connection& c) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  for (const auto& kv : e.value) {
    std::string role = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    std::string path = e.path + "." + role;
    int line = line_of(kv.first, e.key_line);
    if (role.empty() || !is_plain_name(role)) {
      problem(line, e.path + ": role names may contain only letters, digits, '_', '.' and '-'");
      continue;
    }
    if (c.static_login(role) != nullptr && role != c.login.user) {
      problem(line, path + ": role '" + role + "' is listed twice");
      continue;
    }
    if (!expect_map(kv.second, path, line)) continue;
    BackendCredential cred;
    int env_line = 0;
    int file_line = 0;
    for (const Entry& f : entries(kv.second, path, "role login", kLoginKeys))
      parse_login_entry(f, cred, env_line, file_line);
    if (cred.user.empty()) cred.user = role;
    finish_login(cred, path, line, env_line, file_line);
    c.roles.emplace_back(std::move(role), std::move(cred));
  }
}

// Reads a login's secret. Messages name the variable or file, never a value.
void Loader::resolve_password(BackendCredential& c, const std::string& path, int line) {
  if (!c.password_env.empty()) {
    const char* v = std::getenv(c.password_env.c_str());
    if (v == nullptr) {
      problem(line,
              path + ".password_env: environment variable '" + c.password_env + "' is not set");
    } else {
      c.password = v;
    }
  } else if (!c.password_file.empty()) {
    std::string why;
    if (!read_file(c.password_file, c.password, why)) {
      if (auto missing = unreadable_reason(c.password_file)) why = *missing;
      problem(line, path + ".password_file: cannot read '" + c.password_file + "': " + why);
    }
    while (!c.password.empty() && (c.password.back() == '\n' || c.password.back() == '\r')) {
      c.password.pop_back();
    }
  }
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

}  // namespace gh::config::detail
