#include "app/audit_setup.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "audit/admin_stream.h"
#include "common/json_writer.h"
#include "common/clock.h"

namespace gh::app {

store::AuditCheckpoint to_store_checkpoint(const audit::Checkpoint& c) {
  store::AuditCheckpoint s;
  s.stream = c.stream;
  s.segment = c.segment;
  s.seq = c.seq;
  s.hash_hex = c.hash_hex;
  s.time_ns = c.time_ns;
  s.signature_b64 = c.signature_b64;
  return s;
}

audit::Checkpoint from_store_checkpoint(const store::AuditCheckpoint& c) {
  audit::Checkpoint a;
  a.stream = c.stream;
  a.segment = c.segment;
  a.seq = c.seq;
  a.hash_hex = c.hash_hex;
  a.time_ns = c.time_ns;
  a.signature_b64 = c.signature_b64;
  return a;
}

Result<std::unique_ptr<audit::Signer>> load_or_create_signer(const config::Config& cfg,
                                                             bool* created) {
  *created = false;
  std::error_code ec;
  if (!std::filesystem::exists(cfg.audit.signing_key, ec)) {
    std::filesystem::create_directories(std::filesystem::path(cfg.audit.signing_key).parent_path(),
                                        ec);
    Status st = audit::generate_key_pair(cfg.audit.signing_key);
    if (!st.ok()) return st;
    *created = true;
  }
  return audit::Signer::load(cfg.audit.signing_key);
}

Result<AuditStreams> open_audit_streams(const config::Config& cfg, int threads,
                                        std::shared_ptr<store::StateStore> store) {
  AuditStreams s;
  bool created = false;
  auto signer = load_or_create_signer(cfg, &created);
  if (!signer.ok()) return Status::Invalid("audit signing key: " + signer.status().message());
  if (created)
    spdlog::warn("audit: created a new signing key at {} (public key {}.pub); keep it safe",
                 cfg.audit.signing_key, cfg.audit.signing_key);
  s.signer = std::move(signer.value());
  for (int i = 0; i < threads; ++i) {
    audit::WriterOptions o;
    o.dir = cfg.audit.dir;
    o.stream = static_cast<uint32_t>(i);
    o.segment_bytes = cfg.audit.segment_size;
    o.checkpoint_interval = cfg.audit.checkpoint_interval;
    o.sync_interval = cfg.audit.sync_interval;
    o.signer = s.signer.get();
    o.retention = std::chrono::seconds(int64_t{cfg.audit.retention_days} * 86400);
    o.on_checkpoint = [store](const audit::Checkpoint& c) {
      Status st = store->add_audit_checkpoint(to_store_checkpoint(c));
      if (!st.ok()) spdlog::error("audit: cannot store checkpoint: {}", st.message());
    };
    auto w = audit::StreamWriter::open(o);
    if (!w.ok())
      return Status::Io("audit stream " + std::to_string(i) + ": " + w.status().message());
    s.writers.push_back(std::move(w.value()));
  }
  // config.loaded on stream 0: which configuration this run enforces.
  std::string payload;
  JsonWriter jw(payload);
  jw.begin_object().field("path", cfg.path).field("config_hash", cfg.config_hash).end_object();
  auto r = s.writers[0]->append(audit::RecordType::kConfigLoaded, unix_now_ns(), payload);
  if (!r.ok()) return Status::Io("audit: " + r.status().message());
  return s;
}

Status record_key_event(const config::Config& cfg, store::StateStore& st, audit::RecordType type,
                        const store::ApiKey& key) {
  bool created = false;
  auto signer = load_or_create_signer(cfg, &created);
  if (!signer.ok()) return Status::Invalid("audit signing key: " + signer.status().message());
  std::string payload;
  JsonWriter w(payload);
  w.begin_object().field("name", key.name).field("owner", key.owner).key("groups").begin_array();
  for (const auto& g : key.groups) w.value(g);
  w.end_array();
  if (key.expires_at) {
    w.field("expires", *key.expires_at);
  } else {
    w.key("expires").null();
  }
  w.end_object();
  auto r = audit::append_admin_record(
      cfg.audit.dir, signer->get(), type, unix_now_ns(), payload,
      [&st](const audit::Checkpoint& c) { st.add_audit_checkpoint(to_store_checkpoint(c)); });
  if (!r.ok()) return r.status();
  return Status::Ok();
}

}  // namespace gh::app
