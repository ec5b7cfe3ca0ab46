// admin: the admin HTTP API's listener, optional TLS, and the groups behind each role.

#include <arpa/inet.h>

#include "config/loader.h"

namespace gh::config::detail {

namespace {

constexpr std::string_view kAdminKeys[] = {"listen", "tls", "roles"};
constexpr std::string_view kAdminTlsKeys[] = {"cert_file", "key_file"};
constexpr std::string_view kAdminRoleKeys[] = {"admin", "approver", "auditor"};
constexpr std::string_view kReviewKeys[] = {"mode", "timeout", "approval_ttl", "webhook",
                                             "max_grant", "grant_approvers", "url"};
constexpr std::string_view kWebhookKeys[] = {"url", "secret_env"};

bool is_loopback_ip(const std::string& host) {
  if (host == "::1") return true;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

}  // namespace

void Loader::parse_admin(const Entry& e, Config& cfg) {
  if (!e.value.IsMap()) {
    problem(e.key_line, "admin: expected a mapping with listen and roles");
    return;
  }
  AdminConfig admin;
  admin.where = {file(), e.key_line};
  int listen_line = 0;
  for (const Entry& f : entries(e.value, e.path, "admin", kAdminKeys)) {
    if (f.key == "listen") {
      std::optional<std::pair<std::string, uint16_t>> hp;
      if (f.value.IsScalar()) hp = split_host_port(f.value.Scalar());
      if (!hp) {
        problem(f.line, f.path + ": expected host:port (such as 127.0.0.1:8090 or [::1]:8090)");
      } else if (!is_ip_address(hp->first)) {
        problem(f.line, f.path + ": '" + hp->first +
                            "' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 ...)");
      } else {
        admin.listen = f.value.Scalar();
        admin.host = std::move(hp->first);
        admin.port = hp->second;
        listen_line = f.line;
      }
    } else if (f.key == "tls") {
      parse_admin_tls(f, admin);
    } else if (f.key == "roles") {
      parse_admin_roles(f, admin);
    }
  }
  if (!e.value["listen"].IsDefined()) {
    problem(e.key_line, "admin: listen is required (such as 127.0.0.1:8090)");
  } else if (listen_line != 0 && !admin.tls && !is_loopback_ip(admin.host)) {
    // Every /api/ request carries a bearer token; it must not cross a network in clear.
    problem(listen_line, "admin.listen: '" + admin.host +
                             "' is not a loopback address, so admin.tls is required (bearer "
                             "tokens would cross the network in clear)");
  }
  admin.where.line = listen_line != 0 ? listen_line : e.key_line;
  cfg.admin = std::move(admin);
}

void Loader::parse_admin_tls(const Entry& e, AdminConfig& admin) {
  if (!e.value.IsMap()) {
    problem(e.key_line, e.path + ": expected a mapping with cert_file and key_file");
    return;
  }
  AdminTls tls;
  for (const Entry& f : entries(e.value, e.path, "admin.tls", kAdminTlsKeys)) {
    if (auto p = read_path(f)) {
      check_readable(*p, f.path, f.line);
      (f.key == "cert_file" ? tls.cert_file : tls.key_file) = std::move(*p);
    }
  }
  if (!e.value["cert_file"].IsDefined()) problem(e.key_line, e.path + ": cert_file is required");
  if (!e.value["key_file"].IsDefined()) problem(e.key_line, e.path + ": key_file is required");
  admin.tls = std::move(tls);
}

void Loader::parse_admin_roles(const Entry& e, AdminConfig& admin) {
  if (!e.value.IsMap()) {
    problem(e.key_line, e.path + ": expected a mapping of role (admin, approver, auditor) to "
                                 "a list of groups");
    return;
  }
  for (const Entry& f : entries(e.value, e.path, "admin.roles", kAdminRoleKeys)) {
    auto groups = read_string_list(f);
    if (!groups) continue;
    if (f.key == "admin") {
      admin.roles.admin = std::move(*groups);
    } else if (f.key == "approver") {
      admin.roles.approver = std::move(*groups);
    } else {
      admin.roles.auditor = std::move(*groups);
    }
  }
}

void Loader::check_admin(Config& cfg) {
  if (!cfg.admin) return;
  const AdminConfig& a = *cfg.admin;
  if (a.port == cfg.listen_port && (a.host == cfg.listen_host || a.host == "0.0.0.0" ||
                                    a.host == "::" || cfg.listen_host == "0.0.0.0" ||
                                    cfg.listen_host == "::")) {
    problem(a.where.line, "admin.listen: " + a.listen +
                              " overlaps the proxy's listen address " + cfg.listen +
                              "; use another port");
  }
}

// review: mode (ticket), timeout, approval_ttl, webhook, max_grant, grant_approvers.
void Loader::parse_review(const Entry& e, Config& cfg) {
  if (!e.value.IsMap()) {
    problem(e.key_line, "review: expected a mapping with mode, timeout, approval_ttl");
    return;
  }
  for (const Entry& f : entries(e.value, e.path, "review", kReviewKeys)) {
    if (f.key == "mode") {
      std::string m = f.value.IsScalar() ? f.value.Scalar() : "";
      if (m == "ticket" || m == "hold") {
        cfg.review.mode = m;
      } else {
        problem(f.line, f.path + ": expected hold or ticket, got '" + m + "'");
      }
    } else if (f.key == "timeout") {
      if (auto d = read_seconds(f, std::chrono::seconds(1), std::chrono::seconds(7 * 86400)))
        cfg.review.timeout = *d;
    } else if (f.key == "approval_ttl") {
      if (auto d = read_seconds(f, std::chrono::seconds(1), std::chrono::seconds(7 * 86400)))
        cfg.review.approval_ttl = *d;
    } else if (f.key == "max_grant") {
      if (auto d = read_seconds(f, std::chrono::seconds(60), std::chrono::seconds(30 * 86400)))
        cfg.review.max_grant = *d;
    } else if (f.key == "url") {
      auto u = read_string(f);
      if (!u) continue;
      if ((!u->starts_with("http://") && !u->starts_with("https://")) ||
          u->find("{id}") == std::string::npos) {
        problem(f.line, f.path + ": expected an http:// or https:// URL containing {id}");
      } else {
        cfg.review.url = *u;
      }
    } else if (f.key == "grant_approvers") {
      if (auto g = read_string_list(f)) cfg.review.grant_approvers = std::move(*g);
    } else if (f.key == "webhook") {
      if (!f.value.IsMap()) {
        problem(f.line, f.path + ": expected a mapping with url and secret_env");
        continue;
      }
      for (const Entry& w : entries(f.value, f.path, "review.webhook", kWebhookKeys)) {
        auto s = read_string(w);
        if (!s) continue;
        if (w.key == "url") {
          if (!s->starts_with("http://") && !s->starts_with("https://")) {
            problem(w.line, w.path + ": expected an http:// or https:// URL");
          } else {
            cfg.review.webhook_url = *s;
          }
        } else if (!is_env_name(*s)) {
          problem(w.line, w.path + ": '" + *s + "' is not an environment variable name");
        } else {
          cfg.review.webhook_secret_env = *s;
          if (resolve_secrets_ && std::getenv(s->c_str()) == nullptr)
            problem(w.line, w.path + ": the environment variable " + *s + " is not set");
        }
      }
      if (!f.value["url"].IsDefined() || !f.value["secret_env"].IsDefined())
        problem(f.line, f.path + ": url and secret_env are both required");
    }
  }
}

}  // namespace gh::config::detail
