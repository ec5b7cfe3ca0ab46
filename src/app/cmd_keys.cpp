// `gatehouse keys create|list|revoke`: manages API keys in the state store under the
// config's data_dir. Works next to a running server (the store tolerates a second writer).

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/text.h"
#include "app/audit_setup.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/options.h"
#include "config/config.h"
#include "config/units.h"
#include "store/api_key_format.h"
#include "store/state_store.h"

namespace gh::app {

namespace {

constexpr const char* kKeysUsage =
    "usage: gatehouse keys create --config FILE --name NAME --groups a,b [--owner WHO] "
    "[--expires 30d]\n"
    "       gatehouse keys list --config FILE\n"
    "       gatehouse keys revoke --config FILE NAME\n";

constexpr std::string_view kTool = "keys";

int usage_error(const std::string& problem) { return cli_usage_error(kTool, problem, kKeysUsage); }

int fail(const std::string& problem) { return cli_fail(kTool, problem); }

std::string format_time(int64_t unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

// Loads the config (without reading backend secrets: keys need none) and opens its store.
// Returns the exit code on failure.
std::variant<std::unique_ptr<store::StateStore>, int> open_store(const std::string& path) {
  auto cfg = config::load_file(path, /*resolve_secrets=*/false);
  if (!cfg.ok()) {
    if (cfg.status().code() == Status::Code::kInvalid) {
      std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
      return 1;
    }
    return fail(cfg.status().message());
  }
  auto st = store::open_sqlite_store(cfg->data_dir);
  if (!st.ok()) return fail(st.status().message());
  return std::move(st).value();
}

int keys_create(Options opts) {
  std::string config_path = opts.take("--config");
  store::NewApiKey req;
  req.name = opts.take("--name");
  req.owner = opts.take("--owner");
  std::string groups = opts.take("--groups");
  std::string expires = opts.take("--expires");
  if (auto e = leftover_error(opts, 0)) return usage_error(*e);
  if (config_path.empty()) return usage_error("--config FILE is required");
  if (req.name.empty()) return usage_error("--name NAME is required");
  if (groups.empty()) return usage_error("--groups a,b is required");

  req.groups = split_list(groups);
  if (req.groups.empty()) return usage_error("--groups needs at least one group");
  if (!expires.empty()) {
    auto d = config::parse_duration(expires);
    if (!d || d->count() <= 0) {
      return usage_error("--expires expects a duration such as 12h or 30d, got '" + expires + "'");
    }
    req.expires_at = now_seconds() + (d->count() + 999) / 1000;
  }
  if (Status s = store::validate_new_api_key(req); !s.ok()) return usage_error(s.message());

  auto opened = open_store(config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& st = std::get<std::unique_ptr<store::StateStore>>(opened);
  auto created = st->create_api_key(req);
  if (!created.ok()) return fail(created.status().message());

  const store::ApiKey& k = created->key;
  // No unrecorded key: if its key.created record cannot be written, the key is revoked.
  auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
  Status rec = cfg.ok() ? record_key_event(*cfg, *st, audit::RecordType::kKeyCreated, k)
                        : cfg.status();
  if (!rec.ok()) {
    st->revoke_api_key(k.name, now_seconds());
    return fail("cannot record the new key in the audit log, so it was revoked: " +
                rec.message());
  }
  std::printf("%s\n", created->secret.c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "created api key '%s' (owner %s, groups %s, expires %s, prefix %s)\n"
               "the key is shown only this once: store it now, it cannot be recovered\n",
               k.name.c_str(), k.owner.c_str(), store::join_groups(k.groups).c_str(),
               k.expires_at ? format_time(*k.expires_at).c_str() : "never", k.prefix.c_str());
  return 0;
}

int keys_list(Options opts) {
  std::string config_path = opts.take("--config");
  if (auto e = leftover_error(opts, 0)) return usage_error(*e);
  if (config_path.empty()) return usage_error("--config FILE is required");

  auto opened = open_store(config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto keys = std::get<std::unique_ptr<store::StateStore>>(opened)->list_api_keys();
  if (!keys.ok()) return fail(keys.status().message());

  int64_t now = now_seconds();
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "OWNER", "GROUPS", "PREFIX", "CREATED", "EXPIRES", "STATUS"}};
  for (const store::ApiKey& k : keys.value()) {
    std::string status = k.revoked_at                             ? "revoked"
                         : (k.expires_at && *k.expires_at <= now) ? "expired"
                                                                  : "active";
    std::string groups = k.groups.empty() ? "-" : store::join_groups(k.groups);
    rows.push_back({k.name, k.owner, groups, k.prefix, format_time(k.created_at),
                    k.expires_at ? format_time(*k.expires_at) : "never", status});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line.append(width[c] - r[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

int keys_revoke(Options opts) {
  std::string config_path = opts.take("--config");
  if (auto e = leftover_error(opts, 1)) return usage_error(*e);
  if (config_path.empty()) return usage_error("--config FILE is required");
  if (opts.rest().size() != 1) return usage_error("revoke takes the NAME of one key");
  const std::string name = opts.rest()[0];

  auto opened = open_store(config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto& st = std::get<std::unique_ptr<store::StateStore>>(opened);
  Status s = st->revoke_api_key(name, now_seconds());
  if (!s.ok()) return fail(s.message());
  std::printf("revoked api key '%s'\n", name.c_str());
  store::ApiKey revoked;
  if (auto keys = st->list_api_keys(); keys.ok()) {
    for (const auto& k : keys.value())
      if (k.name == name) revoked = k;
  }
  revoked.name = name;
  auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
  Status rec = cfg.ok() ? record_key_event(*cfg, *st, audit::RecordType::kKeyRevoked, revoked)
                        : cfg.status();
  if (!rec.ok()) {
    std::fprintf(stderr, "gatehouse keys: warning: the revocation is in force but could not be "
                         "recorded in the audit log: %s\n", rec.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int run_keys(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kKeysUsage,
                         {{"create", keys_create}, {"list", keys_list}, {"revoke", keys_revoke}});
}

}  // namespace gh::app
