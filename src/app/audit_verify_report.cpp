#include "app/audit_verify_report.h"

#include <cstdio>
#include <filesystem>

#include "app/audit_setup.h"
#include "app/audit_time.h"
#include "audit/signer.h"
#include "audit/verify.h"

namespace gh::app {

namespace {

namespace fs = std::filesystem;

std::string line(const char* label, const std::string& value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "  %-13s", label);
  return buf + value + "\n";
}

std::string u64(uint64_t v) { return std::to_string(v); }

}  // namespace

VerifyOutcome run_audit_verify(AuditEnv& env, std::optional<int64_t> since_ns) {
  VerifyOutcome out;
  const std::string& dir = env.cfg.audit.dir;
  const std::string pub = env.cfg.audit.signing_key + ".pub";
  std::error_code ec;
  std::string key_path = pub;
  std::string key_note;
  if (!fs::exists(pub, ec)) {
    // On the gateway itself the private key will do: its public half is what is needed.
    if (fs::exists(env.cfg.audit.signing_key, ec)) {
      key_path = env.cfg.audit.signing_key;
      key_note = " (no " + pub + ": using the public half of the private key)";
    } else {
      out.text = "cannot verify: no public key at " + pub +
                 "; on the gateway run gatehouse audit keygen before gatehouse serve, or copy "
                 "the gateway's public key there (audit.signing_key in the config, plus .pub)\n";
      return out;
    }
  }
  if (Status s = check_audit_dir(dir); !s.ok()) {
    out.text = "cannot verify: " + s.message() + "\n";
    return out;
  }
  auto key = audit::Verifier::load(key_path);
  if (!key.ok()) {
    out.text = "cannot verify: " + key.status().message() + "\n";
    return out;
  }
  auto stored = env.store->list_audit_checkpoints();
  if (!stored.ok()) {
    out.text = "cannot verify: cannot read the checkpoints in the state store: " +
               stored.status().message() + "\n";
    return out;
  }
  std::vector<audit::Checkpoint> checkpoints;
  checkpoints.reserve(stored->size());
  for (const store::AuditCheckpoint& c : stored.value())
    checkpoints.push_back(from_store_checkpoint(c));

  audit::VerifyReport r = audit::verify(dir, *key.value(), checkpoints, since_ns);
  out.ok = r.ok();
  std::string t;
  if (r.ok()) {
    t = "audit log intact\n";
  } else {
    t = "audit log verification FAILED: " + u64(r.problems.size()) +
        (r.problems.size() == 1 ? " problem\n" : " problems\n");
    for (const audit::VerifyProblem& p : r.problems) t += "  " + p.to_string() + "\n";
    t += "checked before stopping:\n";
  }
  t += line("audit dir", dir);
  t += line("public key", key_path + key_note);
  if (since_ns) t += line("since", format_rfc3339(*since_ns, 3));
  t += line("streams", u64(r.streams));
  std::string segs = u64(r.segments) + " checked";
  if (r.segments_skipped > 0) {
    segs += ", " + u64(r.segments_skipped) + " before --since (headers and numbering only)";
  }
  t += line("segments", segs);
  t += line("records", u64(r.records));
  if (r.first_time_ns && r.last_time_ns) {
    t += line("time span",
              format_rfc3339(*r.first_time_ns, 3) + " to " + format_rfc3339(*r.last_time_ns, 3));
  } else {
    t += line("time span", "-");
  }
  std::string cps = u64(r.checkpoints) + " in the log; " + u64(r.store_checkpoints) + " of " +
                    u64(checkpoints.size()) + " in the state store matched";
  if (r.store_checkpoints_skipped > 0) {
    cps += ", " + u64(r.store_checkpoints_skipped) + " before --since";
  }
  if (r.store_checkpoints_pruned > 0) {
    cps += ", " + u64(r.store_checkpoints_pruned) + " name records removed by retention";
  }
  t += line("checkpoints", cps);
  if (r.recoveries > 0) {
    t += line("recoveries", u64(r.recoveries) +
                                " (gatehouse stopped without closing a segment; the torn bytes "
                                "are kept beside it as .torn)");
  }
  out.text = std::move(t);
  return out;
}

}  // namespace gh::app
