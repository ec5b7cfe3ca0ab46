#pragma once

// Message builders. Each appends one complete message to `out`, so a caller can
// batch several messages into one write.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace gh::pg {

// Writes `type`, a length placeholder, then lets the caller append the body; the
// destructor patches the length.
class MessageWriter {
 public:
  MessageWriter(std::string& out, char type);  // type 0 = untyped (startup phase)
  ~MessageWriter();
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  MessageWriter& u8(uint8_t v);
  MessageWriter& u16(uint16_t v);
  MessageWriter& u32(uint32_t v);
  MessageWriter& i32(int32_t v) { return u32(static_cast<uint32_t>(v)); }
  MessageWriter& cstr(std::string_view s);  // appends s and a NUL
  MessageWriter& bytes(std::string_view s);

 private:
  std::string& out_;
  size_t start_;
};

// --- server -> client ---
void build_auth_request(std::string& out, int32_t code, std::string_view data = {});
void build_parameter_status(std::string& out, std::string_view name, std::string_view value);
void build_backend_key_data(std::string& out, uint32_t pid, uint32_t secret);
void build_ready_for_query(std::string& out, char status);
// ErrorResponse ('E') or NoticeResponse ('N'). `severity` is e.g. ERROR, FATAL, NOTICE.
void build_error(std::string& out, std::string_view severity, std::string_view sqlstate,
                 std::string_view message, std::string_view detail = {},
                 std::string_view hint = {}, char type = 'E');
void build_negotiate_protocol_version(std::string& out, uint32_t newest_minor,
                                      const std::pair<std::string_view, std::string_view>* unknown,
                                      size_t unknown_count);

// --- client -> server ---
void build_startup_message(std::string& out,
                           const std::pair<std::string_view, std::string_view>* params,
                           size_t count);
void build_ssl_request(std::string& out);
void build_cancel_request(std::string& out, uint32_t pid, uint32_t secret);
void build_password_message(std::string& out, std::string_view password);
void build_sasl_initial_response(std::string& out, std::string_view mechanism,
                                 std::string_view data);
void build_sasl_response(std::string& out, std::string_view data);
void build_query(std::string& out, std::string_view sql);
void build_describe(std::string& out, char kind, std::string_view name);  // 'S' or 'P'
void build_terminate(std::string& out);

}  // namespace gh::pg
