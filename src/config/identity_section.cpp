// identity: trusted token issuers; access: who may open which connection as which role.

#include <arpa/inet.h>

#include <algorithm>

#include "config/loader.h"

namespace gh::config::detail {

namespace {

constexpr std::string_view kIdentityKeys[] = {"issuers", "on_token_expiry",
                                              "api_key_check_interval"};
constexpr std::string_view kIssuerKeys[] = {
    "issuer",        "audience",       "jwks_uri",      "ca_file",
    "clock_skew",    "subject_claim",  "display_name_claims", "groups_claim",
    "jwks_max_age",  "jwks_refresh_interval", "jwks_min_refresh_interval", "http_timeout",
};
constexpr std::string_view kAccessRuleKeys[] = {"connection", "groups", "principals", "role",
                                                "max_session"};
constexpr std::string_view kTokenExpiry[] = {"terminate", "continue"};

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr a4;
  std::string h(host);
  return inet_pton(AF_INET, h.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

// Why `url` cannot name an identity provider endpoint, or "" if it can: https anywhere,
// plain http only on loopback (a test or a sidecar provider).
std::string url_problem(std::string_view url) {
  std::string_view rest;
  bool https = url.starts_with("https://");
  if (https) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return "expected an https:// URL";
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view host = authority;
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') == std::string_view::npos ? 0 : host.find(']') - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return "the URL has no host";
  if (!https && !is_loopback_host(host)) {
    return "plain http is allowed only for a provider on this machine (127.0.0.1, ::1, "
           "localhost); use https";
  }
  return {};
}

bool is_claim_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == ':' || c == '/';
  });
}

}  // namespace

void Loader::parse_identity(const Entry& e, Config& cfg) {
  if (!expect_map(e.value, e.path, e.key_line)) return;
  IdentityConfig& id = cfg.identity;
  for (const Entry& f : entries(e.value, e.path, "identity", kIdentityKeys)) {
    if (f.key == "issuers") {
      if (!f.value.IsSequence()) {
        problem(f.key_line, f.path + ": expected a list of issuers");
        continue;
      }
      for (size_t i = 0; i < f.value.size(); ++i)
        parse_issuer(f.value[i], f.path + "[" + std::to_string(i) + "]", f.key_line, cfg);
    } else if (f.key == "on_token_expiry") {
      if (auto m = read_choice(f, kTokenExpiry))
        id.on_token_expiry = *m == "continue" ? TokenExpiry::kContinue : TokenExpiry::kTerminate;
    } else if (f.key == "api_key_check_interval") {
      auto d = read_duration(f);
      if (d && (d->count() < 100 || *d > std::chrono::hours(1))) {
        problem(f.line, f.path + ": must be between 100ms and 1h");
      } else if (d) {
        id.api_key_check_interval = *d;
      }
    }
  }
}

void Loader::parse_issuer(const YAML::Node& node, const std::string& path, int fallback_line,
                          Config& cfg) {
  int line = line_of(node, fallback_line);
  if (!node.IsMap()) {
    problem(line, path + ": expected a mapping with issuer and audience");
    return;
  }
  Issuer is;
  is.where = {file(), line};
  for (const Entry& f : entries(node, path, "issuer", kIssuerKeys)) {
    if (f.key == "issuer" || f.key == "jwks_uri") {
      auto s = read_string(f);
      if (!s) continue;
      if (std::string why = url_problem(*s); !why.empty()) {
        problem(f.line, f.path + ": " + why);
        continue;
      }
      if (f.key == "issuer") {
        for (const Issuer& other : cfg.identity.issuers) {
          if (other.issuer == *s)
            problem(f.line, f.path + ": issuer '" + *s + "' is already configured on line " +
                                std::to_string(other.where.line));
        }
        is.issuer = std::move(*s);
      } else {
        is.jwks_uri = std::move(*s);
      }
    } else if (f.key == "audience") {
      if (auto v = read_string_list(f)) is.audiences = std::move(*v);
    } else if (f.key == "ca_file") {
      if (auto p = read_path(f)) {
        check_readable(*p, f.path, f.line);
        is.ca_file = std::move(*p);
      }
    } else if (f.key == "clock_skew") {
      if (auto d = read_seconds(f, std::chrono::seconds(0), std::chrono::seconds(3600)))
        is.clock_skew = *d;
    } else if (f.key == "subject_claim" || f.key == "groups_claim") {
      auto s = read_string(f);
      if (s && !is_claim_name(*s)) {
        problem(f.line, f.path + ": expected a claim name (a dotted path for nested claims)");
      } else if (s) {
        (f.key == "subject_claim" ? is.subject_claim : is.groups_claim) = std::move(*s);
      }
    } else if (f.key == "display_name_claims") {
      if (auto v = read_string_list(f)) is.display_name_claims = std::move(*v);
    } else if (f.key == "jwks_max_age") {
      if (auto d = read_seconds(f, std::chrono::seconds(1))) is.jwks_max_age = *d;
    } else if (f.key == "jwks_refresh_interval") {
      if (auto d = read_seconds(f, std::chrono::seconds(1))) is.jwks_refresh_interval = *d;
    } else if (f.key == "jwks_min_refresh_interval") {
      if (auto d = read_seconds(f, std::chrono::seconds(0))) is.jwks_min_refresh_interval = *d;
    } else if (f.key == "http_timeout") {
      auto d = read_duration(f);
      if (d && (d->count() < 100 || *d > std::chrono::minutes(1))) {
        problem(f.line, f.path + ": must be between 100ms and 1m");
      } else if (d) {
        is.http_timeout = *d;
      }
    }
  }
  if (!node["issuer"].IsDefined()) problem(line, path + ": issuer is required");
  if (!node["audience"].IsDefined())
    problem(line, path + ": audience is required (the aud value tokens for gatehouse carry)");
  if (is.jwks_refresh_interval > is.jwks_max_age) {
    problem(line, path + ": jwks_refresh_interval must not be longer than jwks_max_age, or "
                         "cached keys expire between refreshes");
  }
  cfg.identity.issuers.push_back(std::move(is));
}

void Loader::parse_access(const Entry& e, Config& cfg) {
  if (!e.value.IsSequence()) {
    problem(e.key_line, "access: expected a list of rules (connection, groups, role)");
    return;
  }
  for (size_t i = 0; i < e.value.size(); ++i)
    parse_access_rule(e.value[i], "access[" + std::to_string(i) + "]", e.key_line, cfg);
}

void Loader::parse_access_rule(const YAML::Node& node, const std::string& path,
                               int fallback_line, Config& cfg) {
  int line = line_of(node, fallback_line);
  if (!node.IsMap()) {
    problem(line, path + ": expected a mapping with connection, groups and role");
    return;
  }
  AccessRule rule;
  RuleLines lines;
  rule.where = {file(), line};
  for (const Entry& f : entries(node, path, "access rule", kAccessRuleKeys)) {
    if (f.key == "connection") {
      if (auto s = read_string(f)) {
        rule.connection = std::move(*s);
        lines.connection = f.line;
      }
    } else if (f.key == "groups") {
      if (auto v = read_string_list(f)) rule.groups = std::move(*v);
    } else if (f.key == "principals") {
      if (auto v = read_string_list(f)) rule.principals = std::move(*v);
    } else if (f.key == "role") {
      if (auto s = read_string(f)) {
        rule.role = std::move(*s);
        lines.role = f.line;
      }
    } else if (f.key == "max_session") {
      if (auto d = read_seconds(f, std::chrono::seconds(1))) rule.max_session = *d;
    }
  }
  if (!node["connection"].IsDefined()) problem(line, path + ": connection is required");
  if (!node["groups"].IsDefined() && !node["principals"].IsDefined())
    problem(line, path + ": set groups or principals (who the rule lets in)");
  cfg.access.push_back(std::move(rule));
  access_lines_.push_back(lines);
}

void Loader::check_access(Config& cfg) {
  for (size_t i = 0; i < cfg.access.size(); ++i) {
    const AccessRule& r = cfg.access[i];
    std::string path = "access[" + std::to_string(i) + "]";
    const Connection* c = cfg.find_connection(r.connection);
    if (c == nullptr) {
      problem(access_lines_[i].connection,
              path + ".connection: no connection named '" + r.connection + "'");
      continue;
    }
    int role_line = access_lines_[i].role != 0 ? access_lines_[i].role : r.where.line;
    if (c->credentials == CredentialMode::kEphemeral) {
      if (r.role.empty())
        problem(role_line, path + ": role is required: connection '" + c->name +
                               "' creates each session's login as a member of that role");
    } else if (c->static_login(r.role) == nullptr) {
      problem(role_line, path + ".role: connection '" + c->name + "' has no login for role '" +
                             r.role + "' (add it under the connection's roles:)");
    }
  }
}

}  // namespace gh::config::detail
