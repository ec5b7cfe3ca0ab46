#pragma once

// The first message of a connection: StartupMessage, SSLRequest, GSSENCRequest or
// CancelRequest. Parsed into views of the packet body.

#include <cstdint>
#include <string_view>
#include <utility>

namespace gh::pg {

inline constexpr uint32_t kProtocolV3 = 196608;  // 3.0
inline constexpr uint32_t kSslRequestCode = 80877103;
inline constexpr uint32_t kGssEncRequestCode = 80877104;
inline constexpr uint32_t kCancelRequestCode = 80877102;

enum class StartupKind { kStartup, kSslRequest, kGssEncRequest, kCancel, kUnsupportedVersion, kInvalid };

inline constexpr size_t kMaxStartupParams = 64;

struct StartupPacket {
  StartupKind kind = StartupKind::kInvalid;
  uint32_t code = 0;  // protocol version or request code
  // kStartup: name/value pairs, in order. Views into the packet.
  std::pair<std::string_view, std::string_view> params[kMaxStartupParams];
  size_t param_count = 0;
  // kCancel
  uint32_t cancel_pid = 0;
  uint32_t cancel_secret = 0;
  const char* error = nullptr;  // kInvalid: why

  std::string_view get(std::string_view name) const {
    for (size_t i = 0; i < param_count; ++i)
      if (params[i].first == name) return params[i].second;
    return {};
  }
  bool has(std::string_view name) const {
    for (size_t i = 0; i < param_count; ++i)
      if (params[i].first == name) return true;
    return false;
  }
};

// `body` is the packet without its 4-byte length.
StartupPacket parse_startup_packet(std::string_view body);

}  // namespace gh::pg
