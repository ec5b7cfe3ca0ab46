#include "app/audit_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "app/audit_time.h"

namespace gh::app {

namespace {

// Kept equal to project(VERSION) in CMakeLists.txt; a build may pass GH_VERSION instead.
#ifdef GH_VERSION
constexpr std::string_view kVersion = GH_VERSION;
#else
constexpr std::string_view kVersion = "0.1.0";
#endif

}  // namespace

Result<AuditEnv> load_audit_env(const std::string& config_path) {
  auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
  if (!cfg.ok()) return cfg.status();
  auto st = store::open_sqlite_store(cfg->data_dir);
  if (!st.ok()) return Status::Io(st.status().message());
  AuditEnv env;
  env.config_path = config_path;
  env.cfg = std::move(cfg).value();
  env.store = std::move(st).value();
  return env;
}

std::variant<AuditEnv, int> open_audit_env(std::string_view tool, const std::string& config_path) {
  auto env = load_audit_env(config_path);
  if (env.ok()) return std::move(env).value();
  // Config problems are already "file:line: problem" lines.
  if (env.status().code() == Status::Code::kInvalid) {
    std::fprintf(stderr, "%s\n", env.status().message().c_str());
    return 1;
  }
  return cli_fail(tool, env.status().message());
}

std::variant<Period, int> take_period(std::string_view tool, Options& opts, bool need_since,
                                      bool need_until, const char* usage) {
  std::string since = opts.take("--since");
  std::string until = opts.take("--until");
  if (need_since && since.empty()) return cli_usage_error(tool, "--since T is required", usage);
  if (need_until && until.empty()) return cli_usage_error(tool, "--until T is required", usage);
  Period p;
  int64_t now = now_unix_ns();
  if (!since.empty()) {
    auto t = parse_time_arg(since, now);
    if (!t.ok()) return cli_usage_error(tool, "--since: " + t.status().message(), usage);
    p.since_ns = *t;
  }
  if (!until.empty()) {
    auto t = parse_time_arg(until, now);
    if (!t.ok()) return cli_usage_error(tool, "--until: " + t.status().message(), usage);
    p.until_ns = *t;
  }
  if (p.since_ns && p.until_ns && *p.until_ns <= *p.since_ns) {
    return cli_usage_error(tool,
                           "--until (" + format_rfc3339(*p.until_ns) + ") is not after --since (" +
                               format_rfc3339(*p.since_ns) + ")",
                           usage);
  }
  return p;
}

std::string AuditRecord::session() const { return json_string(payload, "session"); }

bool is_chain_record(audit::RecordType type) {
  return type == audit::RecordType::kSegmentClose || type == audit::RecordType::kCheckpoint;
}

Status for_each_record(const std::string& audit_dir, const audit::ReadOptions& opts,
                       const std::function<bool(const AuditRecord&)>& fn) {
  AuditRecord rec;
  return audit::read_records(audit_dir, opts, [&](const audit::RecordView& v) {
    rec.stream = v.stream;
    rec.segment = v.segment;
    rec.seq = v.seq;
    rec.type = v.type;
    rec.time_ns = v.time_ns;
    rec.payload = Json::parse(v.payload, nullptr, /*allow_exceptions=*/false);
    if (rec.payload.is_discarded()) {
      rec.payload = nullptr;
      rec.raw_payload.assign(v.payload);
    } else {
      rec.raw_payload.clear();
    }
    return fn(rec);
  });
}

Status check_audit_dir(const std::string& audit_dir) {
  struct stat st {};
  if (::stat(audit_dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::NotFound("the audit directory " + audit_dir +
                              " does not exist (is audit.dir right in the config, and has "
                              "gatehouse serve run?)");
    }
    return Status::Io("cannot read the audit directory " + audit_dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode))
    return Status::Io("the audit directory " + audit_dir + " is not a folder");
  if (::access(audit_dir.c_str(), R_OK | X_OK) != 0) {
    return Status::Io("cannot read the audit directory " + audit_dir + ": " + std::strerror(errno) +
                      " (run as the user gatehouse runs as, or one in its group)");
  }
  return Status::Ok();
}

std::string describe_read_error(const std::string& audit_dir, const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return "cannot read the audit log: " + s.message() +
             " (is audit.dir right in the config, and has gatehouse serve run?)";
    case Status::Code::kCorruption:
      return "the audit log under " + audit_dir + " is damaged: " + s.message() +
             "; the output above holds every readable record; run `gatehouse audit verify` "
             "for the full report";
    default:
      return "cannot read the audit log under " + audit_dir + ": " + s.message();
  }
}

std::string dump_json(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string json_string(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string json_text(const Json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return dump_json(*it);
}

std::optional<int64_t> json_int(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

bool json_bool(const Json& obj, const char* key) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

Json record_to_json(const AuditRecord& r) {
  Json j = Json::object();
  j["time"] = format_rfc3339(r.time_ns, 9);
  j["time_ns"] = r.time_ns;
  j["stream"] = r.stream;
  j["segment"] = r.segment;
  j["seq"] = r.seq;
  j["type"] = std::string(r.type_name());
  j["payload"] = r.payload;
  if (!r.raw_payload.empty()) j["payload_text"] = r.raw_payload;
  return j;
}

std::string_view gatehouse_version() { return kVersion; }

}  // namespace gh::app
