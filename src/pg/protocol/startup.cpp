#include "pg/protocol/startup.h"

#include "pg/protocol/frame.h"

namespace gh::pg {

namespace {

StartupPacket invalid(const char* why) {
  StartupPacket p;
  p.kind = StartupKind::kInvalid;
  p.error = why;
  return p;
}

}  // namespace

StartupPacket parse_startup_packet(std::string_view body) {
  if (body.size() < 4) return invalid("startup packet too short");
  StartupPacket p;
  p.code = read_u32(body.data());
  std::string_view rest = body.substr(4);
  switch (p.code) {
    case kSslRequestCode:
      if (!rest.empty()) return invalid("malformed SSLRequest");
      p.kind = StartupKind::kSslRequest;
      return p;
    case kGssEncRequestCode:
      if (!rest.empty()) return invalid("malformed GSSENCRequest");
      p.kind = StartupKind::kGssEncRequest;
      return p;
    case kCancelRequestCode:
      if (rest.size() != 8) return invalid("malformed CancelRequest");
      p.kind = StartupKind::kCancel;
      p.cancel_pid = read_u32(rest.data());
      p.cancel_secret = read_u32(rest.data() + 4);
      return p;
    default:
      break;
  }
  if ((p.code >> 16) != 3) {
    p.kind = StartupKind::kUnsupportedVersion;
    return p;
  }
  // name\0value\0 ... \0
  while (true) {
    if (rest.empty()) return invalid("startup packet not terminated");
    if (rest.front() == '\0') {
      if (rest.size() != 1) return invalid("trailing bytes after startup parameters");
      break;
    }
    size_t n = rest.find('\0');
    if (n == std::string_view::npos) return invalid("unterminated startup parameter name");
    std::string_view name = rest.substr(0, n);
    rest.remove_prefix(n + 1);
    size_t v = rest.find('\0');
    if (v == std::string_view::npos) return invalid("unterminated startup parameter value");
    std::string_view value = rest.substr(0, v);
    rest.remove_prefix(v + 1);
    if (p.param_count == kMaxStartupParams) return invalid("too many startup parameters");
    p.params[p.param_count++] = {name, value};
  }
  p.kind = StartupKind::kStartup;
  return p;
}

}  // namespace gh::pg
