// The first bytes of a connection: splits untyped startup-phase packets and parses each
// (a client may send SSLRequest or GSSENCRequest and then a StartupMessage).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pg/protocol/frame.h"
#include "pg/protocol/startup.h"

namespace {

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gh::pg;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // A real session accepts at most a couple of packets before the startup message; the
  // bound keeps the loop honest anyway.
  for (int i = 0; i < 8; ++i) {
    FrameResult r = next_startup_frame(rest);
    if (r.status == FrameStatus::kError) {
      FUZZ_CHECK(r.error != nullptr);
      return 0;
    }
    if (r.status == FrameStatus::kNeedMoreData) {
      FUZZ_CHECK(r.wanted == 0 || (r.wanted > rest.size() && r.wanted <= kMaxStartupPacket));
      return 0;
    }
    FUZZ_CHECK(r.consumed >= 8 && r.consumed <= kMaxStartupPacket);
    FUZZ_CHECK(r.frame.body.size() + 4 == r.consumed);

    std::string_view body = r.frame.body;
    StartupPacket p = parse_startup_packet(body);
    switch (p.kind) {
      case StartupKind::kStartup:
        FUZZ_CHECK(p.param_count <= kMaxStartupParams);
        FUZZ_CHECK((p.code >> 16) == 3);
        for (size_t k = 0; k < p.param_count; ++k) {
          FUZZ_CHECK(inside(p.params[k].first, body) && inside(p.params[k].second, body));
          FUZZ_CHECK(!p.params[k].first.empty());
          FUZZ_CHECK(p.has(p.params[k].first));
        }
        (void)p.get("user");
        (void)p.get("database");
        break;
      case StartupKind::kCancel:
        FUZZ_CHECK(body.size() == 12);
        break;
      case StartupKind::kSslRequest:
      case StartupKind::kGssEncRequest:
        FUZZ_CHECK(body.size() == 4);
        break;
      case StartupKind::kUnsupportedVersion:
        FUZZ_CHECK((p.code >> 16) != 3);
        break;
      case StartupKind::kInvalid:
        FUZZ_CHECK(p.error != nullptr);
        break;
    }
    rest.remove_prefix(r.consumed);
  }
  return 0;
}
