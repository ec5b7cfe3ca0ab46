#include "pg/session/credential_event.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/json_writer.h"

namespace gh::pg {

void record_credential_event(audit::StreamWriter& writer, audit::RecordType type,
                             const CredentialEvent& e) {
  std::string payload;
  JsonWriter w(payload);
  w.begin_object();
  if (!e.session.empty()) w.field("session", e.session);
  w.field("connection", e.connection).field("role", e.role);
  if (!e.member_of.empty()) w.field("member_of", e.member_of);
  if (!e.by.empty()) w.field("by", e.by);
  if (!e.error.empty()) w.field("error", e.error);
  w.end_object();
  auto r = writer.append(type, unix_now_ns(), payload);
  if (!r.ok()) spdlog::error("audit: cannot record a credential event: {}", r.status().message());
}

}  // namespace gh::pg
