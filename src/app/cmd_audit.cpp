// `gatehouse audit keygen|verify|export`: the auditor's view of the tamper-evident log.

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/audit_cli.h"
#include "app/audit_export.h"
#include "app/audit_time.h"
#include "app/audit_verify_report.h"
#include "app/commands.h"
#include "app/options.h"
#include "audit/signer.h"
#include "common/crypto.h"

namespace gh::app {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTool = "audit";
constexpr const char* kUsage =
    "usage: gatehouse audit keygen --config FILE [--force]\n"
    "       gatehouse audit verify --config FILE [--since T]\n"
    "       gatehouse audit export --config FILE --since T --until T --format jsonl|csv|ocsf\n"
    "                              [--session ID] [--out FILE] [--all]\n"
    "T: RFC 3339 (2026-11-23T10:00:00Z), a date (2026-11-23), or a duration back from now "
    "(24h, 7d)\n";

// SHA-256 of the public key's DER SubjectPublicKeyInfo, as
// `openssl pkey -pubin -in KEY.pub -outform DER | sha256sum` prints it.
std::string public_key_fingerprint(const std::string& pub_path) {
  std::FILE* f = std::fopen(pub_path.c_str(), "r");
  if (f == nullptr) return "";
  EVP_PKEY* key = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (key == nullptr) return "";
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  EVP_PKEY_free(key);
  if (n <= 0) return "";
  auto digest =
      crypto::sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return crypto::to_hex(digest);
}

std::string compact_utc_stamp() {
  std::string t = format_rfc3339(now_unix_ns(), 0);  // 2026-11-23T10:00:00Z
  std::string out;
  for (char c : t) {
    if (c != '-' && c != ':') out += c;
  }
  return out;  // 20261123T100000Z
}

int audit_keygen(Options opts) {
  std::string config_path = opts.take("--config");
  bool force = opts.take_switch("--force");
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
  if (!cfg.ok()) {
    if (cfg.status().code() == Status::Code::kInvalid) {
      std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
      return 1;
    }
    return cli_fail(kTool, cfg.status().message());
  }
  const std::string key = cfg->audit.signing_key;
  const std::string pub = key + ".pub";
  std::error_code ec;
  bool key_exists = fs::exists(fs::symlink_status(key, ec));
  if (key_exists && !force) {
    return cli_fail(kTool, "an audit signing key exists already at " + key +
                               "; keep it (checkpoints already written are signed with it), or "
                               "replace it with --force (the old pair is kept beside it)");
  }
  std::vector<std::string> kept;
  if (key_exists) {
    std::string stamp = compact_utc_stamp();
    for (const std::string& p : {key, pub}) {
      if (!fs::exists(fs::symlink_status(p, ec))) continue;
      std::string to = p + ".replaced-" + stamp;
      if (::rename(p.c_str(), to.c_str()) != 0) {
        return cli_fail(kTool, "cannot move the old key " + p + " aside to " + to + ": " +
                                   std::strerror(errno));
      }
      kept.push_back(to);
    }
  }
  // The key's folder (by default the data directory) may not exist yet: create it private.
  fs::path parent = fs::path(key).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) {
      return cli_fail(
          kTool, "cannot create the folder " + parent.string() + " for the key: " + ec.message());
    }
    ::chmod(parent.c_str(), 0700);
  }
  if (Status s = audit::generate_key_pair(key); !s.ok()) {
    return cli_fail(kTool, "cannot write the audit signing key: " + s.message());
  }
  std::printf(
      "wrote the audit signing key pair:\n  private  %s (mode 0600; stays on the "
      "gateway)\n  public   %s (give this to auditors)\n",
      key.c_str(), pub.c_str());
  if (std::string fp = public_key_fingerprint(pub); !fp.empty()) {
    std::printf("public key SHA-256: %s\n", fp.c_str());
  }
  for (const auto& k : kept) std::printf("the previous key was kept as %s\n", k.c_str());
  if (!kept.empty()) {
    std::printf(
        "restart gatehouse serve to sign with the new key; checkpoints signed before "
        "now verify only with the previous public key\n");
  }
  return 0;
}

int audit_verify(Options opts) {
  std::string config_path = opts.take("--config");
  auto period = take_period(kTool, opts, false, false, kUsage);
  if (auto* code = std::get_if<int>(&period)) return *code;
  if (std::get<Period>(period).until_ns) {
    return cli_usage_error(kTool, "verify takes --since only: it checks everything after it",
                           kUsage);
  }
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  auto opened = open_audit_env(kTool, config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  VerifyOutcome report =
      run_audit_verify(std::get<AuditEnv>(opened), std::get<Period>(period).since_ns);
  std::fputs(report.text.c_str(), report.ok ? stdout : stderr);
  return report.ok ? 0 : 1;
}

// Writes to FILE.tmp-<pid> and renames it over FILE at the end, so a reader never sees a
// half-written export under the final name.
class OutputFile {
 public:
  ~OutputFile() {
    if (f_ != nullptr && f_ != stdout) {
      std::fclose(f_);
      ::unlink(tmp_.c_str());
    }
  }
  Status open(const std::string& path) {
    if (path.empty() || path == "-") {
      f_ = stdout;
      return Status::Ok();
    }
    path_ = path;
    tmp_ = path + ".tmp-" + std::to_string(::getpid());
    int fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Io("cannot create " + tmp_ + ": " + std::strerror(errno));
    f_ = ::fdopen(fd, "w");
    if (f_ == nullptr) {
      ::close(fd);
      return Status::Io("cannot open " + tmp_ + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }
  std::FILE* get() const { return f_; }
  Status commit() {
    if (f_ == stdout) return Status::Ok();
    if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0) {
      return Status::Io("cannot write " + tmp_ + ": " + std::strerror(errno));
    }
    std::fclose(f_);
    f_ = nullptr;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      Status s = Status::Io("cannot rename " + tmp_ + " to " + path_ + ": " + std::strerror(errno));
      ::unlink(tmp_.c_str());
      return s;
    }
    return Status::Ok();
  }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  std::string tmp_;
};

int audit_export(Options opts) {
  std::string config_path = opts.take("--config");
  std::string session = opts.take("--session");
  std::string format_name = opts.take("--format");
  std::string out_path = opts.take("--out");
  bool all = opts.take_switch("--all");
  auto period = take_period(kTool, opts, true, true, kUsage);
  if (auto* code = std::get_if<int>(&period)) return *code;
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  if (format_name.empty()) {
    return cli_usage_error(kTool, "--format jsonl|csv|ocsf is required", kUsage);
  }
  auto format = parse_export_format(format_name);
  if (!format) {
    return cli_usage_error(kTool, "--format must be jsonl, csv or ocsf, not '" + format_name + "'",
                           kUsage);
  }
  const Period& p = std::get<Period>(period);

  auto opened = open_audit_env(kTool, config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  AuditEnv& env = std::get<AuditEnv>(opened);

  if (Status s = check_audit_dir(env.cfg.audit.dir); !s.ok()) return cli_fail(kTool, s.message());
  audit::ReadOptions ro;
  ro.since_ns = p.since_ns;
  ro.until_ns = p.until_ns;
  if (!session.empty()) {
    auto entry = env.store->get_session(session);
    if (!entry.ok()) {
      if (entry.status().code() == Status::Code::kNotFound) {
        return cli_fail(kTool, "--session: no session '" + session +
                                   "' in the sessions index (gatehouse sessions list shows them)");
      }
      return cli_fail(kTool, entry.status().message());
    }
    ro.stream = entry->stream;  // a session's records are all in its io thread's stream
  }

  OutputFile out;
  if (Status s = out.open(out_path); !s.ok()) return cli_fail(kTool, s.message());
  RecordExporter exporter(*format, out.get(), env.store.get());
  if (Status s = exporter.begin(); !s.ok()) return cli_fail(kTool, s.message());
  Status write_error;
  Status st = for_each_record(env.cfg.audit.dir, ro, [&](const AuditRecord& r) {
    if (!all && is_chain_record(r.type)) return true;
    if (!session.empty() && r.session() != session) return true;
    write_error = exporter.write(r);
    return write_error.ok();
  });
  if (!write_error.ok()) return cli_fail(kTool, write_error.message());
  if (Status s = exporter.finish(); !s.ok()) return cli_fail(kTool, s.message());
  if (st.code() == Status::Code::kNotFound) {
    return cli_fail(kTool, describe_read_error(env.cfg.audit.dir, st));
  }
  if (Status s = out.commit(); !s.ok()) return cli_fail(kTool, s.message());
  std::fprintf(stderr, "exported %llu records (%s to %s) to %s\n",
               static_cast<unsigned long long>(exporter.written()),
               format_rfc3339(*p.since_ns).c_str(), format_rfc3339(*p.until_ns).c_str(),
               out_path.empty() || out_path == "-" ? "standard output" : out_path.c_str());
  if (!st.ok()) return cli_fail(kTool, describe_read_error(env.cfg.audit.dir, st));
  return 0;
}

}  // namespace

int run_audit(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kUsage,
                         {{"keygen", audit_keygen}, {"verify", audit_verify}, {"export", audit_export}});
}

}  // namespace gh::app
