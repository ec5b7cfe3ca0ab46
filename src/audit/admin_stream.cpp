#include "audit/admin_stream.h"

namespace gh::audit {
namespace {
constexpr uint64_t kAdminSegmentBytes = 64 << 10;  // a handful of small records per run
}  // namespace

Result<std::unique_ptr<AdminStreamWriter>> AdminStreamWriter::open(
    const std::string& dir, Signer* signer, std::function<void(const Checkpoint&)> on_checkpoint) {
  WriterOptions o;
  o.dir = dir;
  o.stream = kAdminStream;
  o.segment_bytes = kAdminSegmentBytes;
  o.signer = signer;
  o.on_checkpoint = std::move(on_checkpoint);
  o.wait_for_lock = true;
  auto w = StreamWriter::open(o);
  if (!w.ok()) return w.status();
  return std::unique_ptr<AdminStreamWriter>(new AdminStreamWriter(std::move(w).value()));
}

AdminStreamWriter::~AdminStreamWriter() {
  if (w_) (void)w_->close();
}

Result<uint64_t> AdminStreamWriter::append(RecordType type, int64_t time_ns,
                                           std::string_view payload_json) {
  if (!w_) return Status::Unavailable("audit: the admin stream is closed");
  return w_->append(type, time_ns, payload_json);
}

Status AdminStreamWriter::close() {
  if (!w_) return Status::Ok();
  Status s = w_->close();
  w_.reset();  // releases the lock
  return s;
}

Result<uint64_t> append_admin_record(const std::string& dir, Signer* signer, RecordType type,
                                     int64_t time_ns, std::string_view payload_json,
                                     std::function<void(const Checkpoint&)> on_checkpoint) {
  auto w = AdminStreamWriter::open(dir, signer, std::move(on_checkpoint));
  if (!w.ok()) return w.status();
  auto seq = (*w)->append(type, time_ns, payload_json);
  Status s = (*w)->close();
  if (!seq.ok()) return seq.status();
  if (!s.ok()) return s;
  return seq;
}

}  // namespace gh::audit
