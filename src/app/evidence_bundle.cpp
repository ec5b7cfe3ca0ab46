#include "app/evidence_bundle.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/audit_export.h"
#include "app/audit_time.h"
#include "app/audit_verify_report.h"
#include "common/crypto.h"
#include "policy/load.h"

namespace gh::app {

namespace {

namespace fs = std::filesystem;

// Where the guardrails in force come from: the config's own rules are in its copy; included
// files and built-in packs are named (`gatehouse policy pack NAME` prints a pack).
Json policy_summary(const config::Config& cfg, const std::string& config_file) {
  auto p = policy::load_policy(cfg);
  if (!p.ok()) return Json{{"error", p.status().message()}};
  Json sources = Json::array();
  for (const auto& s : p.value()->sources()) sources.push_back(s);
  return Json{{"rules", p.value()->rules().size()},
              {"sources", std::move(sources)},
              {"note", "the guardrails: section is in " + config_file +
                           "; built-in packs are printed by `gatehouse policy pack NAME` of the "
                           "same gatehouse version"}};
}

bool is_approval_event(audit::RecordType t) {
  using audit::RecordType;
  return t == RecordType::kReviewRequested || t == RecordType::kReviewApproval ||
         t == RecordType::kReviewDecided || t == RecordType::kReviewUsed;
}


// A bundle file written once, hashed as it is written.
class BundleFile {
 public:
  BundleFile() : md_(EVP_MD_CTX_new()) {}
  ~BundleFile() {
    if (fd_ >= 0) ::close(fd_);
    EVP_MD_CTX_free(md_);
  }
  BundleFile(const BundleFile&) = delete;
  BundleFile& operator=(const BundleFile&) = delete;

  Status open(const fs::path& path) {
    path_ = path.string();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::Io("cannot create " + path_ + ": " + std::strerror(errno));
    if (md_ == nullptr || EVP_DigestInit_ex(md_, EVP_sha256(), nullptr) != 1) {
      return Status::Internal("SHA-256 is not available");
    }
    return Status::Ok();
  }
  Status write(std::string_view data) {
    EVP_DigestUpdate(md_, data.data(), data.size());
    bytes_ += data.size();
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::Io("cannot write " + path_ + ": " + std::strerror(errno));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Status line(std::string_view text) {
    if (Status s = write(text); !s.ok()) return s;
    return write("\n");
  }
  // Syncs and closes; the hex SHA-256 of everything written.
  Result<std::string> close() {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return Status::Io("cannot write " + path_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md_, digest, &n);
    return crypto::to_hex(std::span<const uint8_t>(digest, n));
  }
  uint64_t bytes() const { return bytes_; }

 private:
  EVP_MD_CTX* md_;
  int fd_ = -1;
  std::string path_;
  uint64_t bytes_ = 0;
};


// The access log: who connected where, when, from where, and the outcome.
struct AccessEvent {
  int64_t time_ns = 0;
  uint32_t stream = 0;
  uint64_t seq = 0;
  std::vector<std::string> fields;  // after the time column
};

constexpr const char* kAccessHeader =
    "time,event,outcome,session,principal,principal_kind,groups,connection,client_ip,"
    "client_port,user,application_name,tls,reason,duration_ms,statements";

std::optional<AccessEvent> access_event(const AuditRecord& r, SessionContexts& sessions) {
  const Json& p = r.payload;
  std::string session = r.session();
  AccessEvent ev;
  ev.time_ns = r.time_ns;
  ev.stream = r.stream;
  ev.seq = r.seq;
  std::string event(r.type_name()), outcome, reason, duration, statements, user, client;
  std::string principal, principal_kind, connection;
  std::vector<std::string> groups;
  const SessionContext* ctx = nullptr;
  switch (r.type) {
    case audit::RecordType::kSessionStart:
      ctx = sessions.find(session);
      outcome = "connected";
      break;
    case audit::RecordType::kSessionEnd:
      ctx = sessions.find(session);
      outcome = "disconnected";
      reason = json_string(p, "reason");
      duration = json_text(p, "duration_ms");
      statements = json_text(p, "statements");
      break;
    case audit::RecordType::kAuthFailure:
      outcome = "refused";
      reason = json_string(p, "reason");
      if (std::string cat = json_string(p, "category"); !cat.empty()) reason = cat + ": " + reason;
      user = json_string(p, "user");
      client = json_string(p, "client");
      break;
    case audit::RecordType::kAdminRequest: {
      // Access to the admin API (the audit trail, evidence, decisions) is access too.
      const int64_t status = json_int(p, "status").value_or(0);
      outcome = status == 401 || status == 403 ? "refused"
                : status >= 400                ? "failed"
                                               : "answered";
      reason = json_string(p, "method") + " " + json_string(p, "path") + " -> " +
               std::to_string(status);
      client = json_string(p, "client");
      principal = json_string(p, "principal");
      principal_kind = json_string(p, "principal_kind");
      connection = "admin API";
      if (auto it = p.find("groups"); it != p.end() && it->is_array())
        for (const auto& g : *it)
          if (g.is_string()) groups.push_back(g.get<std::string>());
      break;
    }
    default:
      return std::nullopt;
  }
  if (ctx != nullptr) {
    user = ctx->user;
    client = ctx->client;
    principal = ctx->principal;
    principal_kind = ctx->principal_kind;
    connection = ctx->connection;
    groups = ctx->groups;
  }
  auto [ip, port] = split_client_address(client);
  std::string group_list;
  for (const auto& g : groups) group_list += (group_list.empty() ? "" : ",") + g;
  ev.fields = {event,
               outcome,
               session,
               principal,
               principal_kind,
               group_list,
               connection,
               ip,
               port ? std::to_string(port) : "",
               user,
               ctx ? ctx->application_name : "",
               ctx ? (ctx->tls ? "yes" : "no") : "",
               reason,
               duration,
               statements};
  return ev;
}

// Copies `from` into the bundle byte for byte.
Result<ManifestEntry> copy_file(const std::string& from, const fs::path& to,
                                const std::string& description) {
  std::FILE* in = std::fopen(from.c_str(), "rb");
  if (in == nullptr) return Status::Io("cannot read " + from + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(in, &std::fclose);
  BundleFile out;
  if (Status s = out.open(to); !s.ok()) return s;
  char buf[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
    if (Status s = out.write(std::string_view(buf, n)); !s.ok()) return s;
  }
  if (std::ferror(in)) return Status::Io("cannot read " + from + ": " + std::strerror(errno));
  auto sha = out.close();
  if (!sha.ok()) return sha.status();
  return ManifestEntry{to.filename().string(), sha.value(), out.bytes(), description};
}

// The output folder must be new or empty: a bundle never mixes with older files.
Status prepare_out_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return Status::Invalid(dir.string() + " is not a folder");
    if (!fs::is_empty(dir, ec)) {
      return Status::Invalid(dir.string() +
                             " is not empty: give a new folder so the bundle holds only its own "
                             "files");
    }
    return Status::Ok();
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::Io("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return Status::Ok();
}

}  // namespace

Result<EvidenceBundle> write_evidence_bundle(AuditEnv& env, const Period& p, const fs::path& dir) {
  if (Status s = check_audit_dir(env.cfg.audit.dir); !s.ok()) return s;
  if (Status s = prepare_out_dir(dir); !s.ok()) return s;
  int64_t generated_ns = now_unix_ns();
  std::vector<ManifestEntry> files;

  // The session trail and the access log come from one pass over the period's records.
  audit::ReadOptions ro;
  ro.since_ns = p.since_ns;
  ro.until_ns = p.until_ns;
  BundleFile trail;
  if (Status s = trail.open(dir / "sessions.jsonl"); !s.ok()) return s;
  BundleFile approvals;
  if (Status s = approvals.open(dir / "approvals.jsonl"); !s.ok()) {
    return s;
  }
  SessionContexts sessions(env.store.get());
  std::vector<AccessEvent> access;
  uint64_t records = 0, session_starts = 0, auth_failures = 0, statements = 0, review_events = 0;
  Status write_error;
  Status read_status = for_each_record(env.cfg.audit.dir, ro, [&](const AuditRecord& r) {
    sessions.observe(r);
    std::string line = dump_json(record_to_json(r));
    write_error = trail.line(line);
    if (write_error.ok() && is_approval_event(r.type)) {
      write_error = approvals.line(line);
      ++review_events;
    }
    if (!write_error.ok()) return false;
    ++records;
    session_starts += r.type == audit::RecordType::kSessionStart;
    auth_failures += r.type == audit::RecordType::kAuthFailure;
    statements += r.type == audit::RecordType::kStatement;
    if (auto ev = access_event(r, sessions)) access.push_back(std::move(*ev));
    if (r.type == audit::RecordType::kSessionEnd) sessions.forget(r.session());
    return true;
  });
  if (!write_error.ok()) return write_error;
  if (read_status.code() == Status::Code::kNotFound) {
    return Status::NotFound(describe_read_error(env.cfg.audit.dir, read_status));
  }
  auto trail_sha = trail.close();
  if (!trail_sha.ok()) return trail_sha.status();
  files.push_back({"sessions.jsonl", trail_sha.value(), trail.bytes(),
                   "the session trail: every audit record of the period, one JSON object a "
                   "line, stream by stream in record order"});

  // Streams interleave in time; the access log reads best as one timeline.
  std::stable_sort(access.begin(), access.end(), [](const AccessEvent& a, const AccessEvent& b) {
    if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
    if (a.stream != b.stream) return a.stream < b.stream;
    return a.seq < b.seq;
  });
  BundleFile access_file;
  if (Status s = access_file.open(dir / "access_log.csv"); !s.ok()) {
    return s;
  }
  Status s = access_file.line(kAccessHeader);
  for (const AccessEvent& ev : access) {
    if (!s.ok()) break;
    std::string row = format_rfc3339(ev.time_ns, 9);
    for (const std::string& f : ev.fields) row += "," + csv_field(f);
    s = access_file.line(row);
  }
  if (!s.ok()) return s;
  auto access_sha = access_file.close();
  if (!access_sha.ok()) return access_sha.status();
  files.push_back({"access_log.csv", access_sha.value(), access_file.bytes(),
                   "who connected to which connection, when, from where, and the outcome: "
                   "session starts and ends and refused logins, in time order"});

  auto approvals_sha = approvals.close();
  if (!approvals_sha.ok()) return approvals_sha.status();
  files.push_back({"approvals.jsonl", approvals_sha.value(), approvals.bytes(),
                   "the approval ledger: every review request of the period, each approval, "
                   "denial (with its reason), edit (edited_sql), expiry, cancellation and use, "
                   "as in sessions.jsonl"});

  std::string ext = fs::path(env.config_path).extension().string();
  if (ext.empty()) ext = ".yaml";
  auto config_copy = copy_file(env.config_path, dir / ("config" + ext),
                               "the configuration file, byte for byte (it names secrets by "
                               "environment variable or file and holds none)");
  if (!config_copy.ok()) return config_copy.status();
  files.push_back(config_copy.value());

  VerifyOutcome report = run_audit_verify(env, p.since_ns);
  BundleFile verify_file;
  if (Status st = verify_file.open(dir / "verify_report.txt"); !st.ok()) {
    return st;
  }
  std::string verify_text = "gatehouse audit verify --since " + format_rfc3339(*p.since_ns, 9) +
                            "\nrun at " + format_rfc3339(generated_ns, 3) +
                            "\nresult: " + (report.ok ? "intact" : "FAILED") + "\n\n" + report.text;
  if (Status st = verify_file.write(verify_text); !st.ok()) return st;
  auto verify_sha = verify_file.close();
  if (!verify_sha.ok()) return verify_sha.status();
  files.push_back({"verify_report.txt", verify_sha.value(), verify_file.bytes(),
                   "the output of gatehouse audit verify over the period"});

  Json manifest = Json::object();
  manifest["bundle"] = "gatehouse evidence";
  manifest["gatehouse_version"] = std::string(gatehouse_version());
  manifest["generated_at"] = format_rfc3339(generated_ns, 3);
  manifest["period"] = Json{{"since", format_rfc3339(*p.since_ns, 9)},
                            {"until", format_rfc3339(*p.until_ns, 9)},
                            {"note", "records with since <= time < until"}};
  manifest["config"] = Json{{"source", fs::absolute(env.config_path).lexically_normal().string()},
                            {"file", config_copy->name},
                            {"sha256", config_copy->sha256}};
  manifest["policy"] = policy_summary(env.cfg, config_copy->name);
  manifest["audit_dir"] = env.cfg.audit.dir;
  manifest["verify"] = Json{{"ok", report.ok}, {"report", "verify_report.txt"}};
  manifest["counts"] = Json{{"records", records},
                            {"session_starts", session_starts},
                            {"auth_failures", auth_failures},
                            {"statements", statements},
                            {"review_events", review_events},
                            {"access_events", access.size()}};
  Json list = Json::array();
  for (const auto& f : files) {
    list.push_back(Json{{"name", f.name},
                        {"sha256", f.sha256},
                        {"bytes", f.bytes},
                        {"description", f.description}});
  }
  manifest["files"] = list;
  BundleFile manifest_file;
  if (Status st = manifest_file.open(dir / "manifest.json"); !st.ok()) {
    return st;
  }
  if (Status st = manifest_file.line(manifest.dump(2, ' ', false, Json::error_handler_t::replace));
      !st.ok()) {
    return st;
  }
  auto manifest_sha = manifest_file.close();
  if (!manifest_sha.ok()) return manifest_sha.status();


  EvidenceBundle out;
  out.files = std::move(files);
  out.manifest_sha256 = manifest_sha.value();
  out.since_ns = *p.since_ns;
  out.until_ns = *p.until_ns;
  out.records = records;
  out.session_starts = session_starts;
  out.auth_failures = auth_failures;
  out.statements = statements;
  out.review_events = review_events;
  out.verified = report.ok;
  out.read_status = read_status;
  return out;
}

Result<std::string> tar_folder(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) names.push_back(e.path());
  if (ec) return Status::Io("cannot list " + dir.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const fs::path& path : names) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    if (!in.good() && !in.eof()) return Status::Io("cannot read " + path.string());
    const std::string content = data.str();
    const std::string name = prefix + "/" + path.filename().string();
    if (name.size() > 99) return Status::Invalid("file name too long for tar: " + name);
    char h[512] = {};
    std::memcpy(h, name.data(), name.size());
    std::snprintf(h + 100, 8, "%07o", 0600);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(content.size()));
    std::snprintf(h + 136, 12, "%011llo", static_cast<unsigned long long>(now_unix_ns() / 1'000'000'000));
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out.append(h, sizeof h);
    out += content;
    out.append((512 - content.size() % 512) % 512, '\0');
  }
  out.append(1024, '\0');  // two empty blocks end the archive
  return out;
}

}  // namespace gh::app
