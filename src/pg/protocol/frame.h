#pragma once

// Splitting a PostgreSQL v3 byte stream into messages, without copying.
//
// Regular messages are `type(1) length(4, big-endian, includes itself) body`.
// The first message a client sends has no type byte: `length(4) body`, where the
// body starts with a 4-byte protocol code (startup, SSLRequest, GSSENCRequest,
// CancelRequest). Lengths are checked before anything is allocated.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace gh::pg {

inline uint32_t read_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint16_t read_u16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}

// One message, viewing the caller's buffer.
struct Frame {
  char type = 0;          // 0 for an untyped (startup-phase) message
  std::string_view body;  // payload after the header
  std::string_view raw;   // the whole message including its header
};

enum class FrameStatus {
  kNeedMoreData,  // the buffer ends inside a message; read more and call again
  kFrame,         // `frame` is valid; `consumed` bytes were used
  kError,         // the stream is malformed; `error` says why; close the connection
};

struct FrameResult {
  FrameStatus status = FrameStatus::kNeedMoreData;
  Frame frame;
  size_t consumed = 0;
  const char* error = nullptr;
  // With kNeedMoreData: the full size of the message being received, once its header is
  // known (0 before), so the caller can size its buffer once.
  size_t wanted = 0;
};

// Splits the next typed message from `data`. `max_size` bounds the message length
// (length field, i.e. without the type byte).
inline FrameResult next_frame(std::string_view data, uint32_t max_size) {
  FrameResult r;
  if (data.size() < 5) return r;
  uint32_t len = read_u32(data.data() + 1);
  if (len < 4) {
    r.status = FrameStatus::kError;
    r.error = "invalid message length";
    return r;
  }
  if (len > max_size) {
    r.status = FrameStatus::kError;
    r.error = "message too large";
    return r;
  }
  size_t total = size_t{len} + 1;
  if (data.size() < total) {
    r.wanted = total;
    return r;
  }
  r.status = FrameStatus::kFrame;
  r.frame.type = data[0];
  r.frame.body = data.substr(5, len - 4);
  r.frame.raw = data.substr(0, total);
  r.consumed = total;
  return r;
}

// The startup packet is bounded much tighter than regular messages.
inline constexpr uint32_t kMaxStartupPacket = 10000;

// Splits an untyped startup-phase message (length-prefixed, no type byte).
inline FrameResult next_startup_frame(std::string_view data) {
  FrameResult r;
  if (data.size() < 4) return r;
  uint32_t len = read_u32(data.data());
  if (len < 8) {
    r.status = FrameStatus::kError;
    r.error = "invalid startup packet length";
    return r;
  }
  if (len > kMaxStartupPacket) {
    r.status = FrameStatus::kError;
    r.error = "startup packet too large";
    return r;
  }
  if (data.size() < len) {
    r.wanted = len;
    return r;
  }
  r.status = FrameStatus::kFrame;
  r.frame.body = data.substr(4, len - 4);
  r.frame.raw = data.substr(0, len);
  r.consumed = len;
  return r;
}

}  // namespace gh::pg
