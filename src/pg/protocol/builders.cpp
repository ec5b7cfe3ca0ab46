#include "pg/protocol/builders.h"

#include "pg/protocol/startup.h"

namespace gh::pg {

MessageWriter::MessageWriter(std::string& out, char type) : out_(out) {
  if (type != 0) out_.push_back(type);
  start_ = out_.size();
  out_.append(4, '\0');
}

MessageWriter::~MessageWriter() {
  uint32_t len = static_cast<uint32_t>(out_.size() - start_);
  out_[start_] = static_cast<char>(len >> 24);
  out_[start_ + 1] = static_cast<char>(len >> 16);
  out_[start_ + 2] = static_cast<char>(len >> 8);
  out_[start_ + 3] = static_cast<char>(len);
}

MessageWriter& MessageWriter::u8(uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}
MessageWriter& MessageWriter::u16(uint16_t v) {
  out_.push_back(static_cast<char>(v >> 8));
  out_.push_back(static_cast<char>(v));
  return *this;
}
MessageWriter& MessageWriter::u32(uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out_.append(b, 4);
  return *this;
}
MessageWriter& MessageWriter::cstr(std::string_view s) {
  out_.append(s);
  out_.push_back('\0');
  return *this;
}
MessageWriter& MessageWriter::bytes(std::string_view s) {
  out_.append(s);
  return *this;
}

void build_auth_request(std::string& out, int32_t code, std::string_view data) {
  MessageWriter(out, 'R').i32(code).bytes(data);
}

void build_parameter_status(std::string& out, std::string_view name, std::string_view value) {
  MessageWriter(out, 'S').cstr(name).cstr(value);
}

void build_backend_key_data(std::string& out, uint32_t pid, uint32_t secret) {
  MessageWriter(out, 'K').u32(pid).u32(secret);
}

void build_ready_for_query(std::string& out, char status) {
  MessageWriter(out, 'Z').u8(static_cast<uint8_t>(status));
}

void build_error(std::string& out, std::string_view severity, std::string_view sqlstate,
                 std::string_view message, std::string_view detail, std::string_view hint,
                 char type) {
  MessageWriter w(out, type);
  w.u8('S').cstr(severity).u8('V').cstr(severity).u8('C').cstr(sqlstate).u8('M').cstr(message);
  if (!detail.empty()) w.u8('D').cstr(detail);
  if (!hint.empty()) w.u8('H').cstr(hint);
  w.u8(0);
}

void build_negotiate_protocol_version(std::string& out, uint32_t newest_minor,
                                      const std::pair<std::string_view, std::string_view>* unknown,
                                      size_t unknown_count) {
  MessageWriter w(out, 'v');
  w.u32(newest_minor).u32(static_cast<uint32_t>(unknown_count));
  for (size_t i = 0; i < unknown_count; ++i) w.cstr(unknown[i].first);
}

void build_startup_message(std::string& out,
                           const std::pair<std::string_view, std::string_view>* params,
                           size_t count) {
  MessageWriter w(out, 0);
  w.u32(kProtocolV3);
  for (size_t i = 0; i < count; ++i) w.cstr(params[i].first).cstr(params[i].second);
  w.u8(0);
}

void build_ssl_request(std::string& out) { MessageWriter(out, 0).u32(kSslRequestCode); }

void build_cancel_request(std::string& out, uint32_t pid, uint32_t secret) {
  MessageWriter(out, 0).u32(kCancelRequestCode).u32(pid).u32(secret);
}

void build_password_message(std::string& out, std::string_view password) {
  MessageWriter(out, 'p').cstr(password);
}

void build_sasl_initial_response(std::string& out, std::string_view mechanism,
                                 std::string_view data) {
  MessageWriter(out, 'p').cstr(mechanism).i32(static_cast<int32_t>(data.size())).bytes(data);
}

void build_sasl_response(std::string& out, std::string_view data) {
  MessageWriter(out, 'p').bytes(data);
}

void build_query(std::string& out, std::string_view sql) { MessageWriter(out, 'Q').cstr(sql); }

void build_describe(std::string& out, char kind, std::string_view name) {
  MessageWriter(out, 'D').u8(static_cast<uint8_t>(kind)).cstr(name);
}

void build_terminate(std::string& out) { MessageWriter(out, 'X'); }

}  // namespace gh::pg
