// Drives the session's request tracker with arbitrary messages from both sides: the first
// 8 bytes choose, bit by bit, whether each following message comes from the client or the
// server; the rest is split into messages. Hooks ask for everything and refuse some
// statements, so the refusal and discard-until-Sync paths run too. Must never crash,
// hang or grow without bound.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "pg/protocol/frame.h"
#include "pg/session/request_tracker.h"

// The tracker is compiled in directly: the rest of pg/session needs Asio coroutines,
// which the fuzz toolchain (clang 14 with libstdc++) does not build.
#include "../../src/pg/session/request_tracker.cpp"  // NOLINT(bugprone-suspicious-include)

namespace {

using namespace gh::pg;

class FuzzHooks final : public StatementHooks {
 public:
  FuzzHooks() { wants_parameters = wants_columns = wants_rows = true; }
  Verdict on_statement(const StatementStart& s) override {
    if (s.bind != nullptr) {
      std::vector<BindParam> params;
      bind_params(*s.bind, params);
    }
    if (!s.sql.empty() && (s.sql[0] == 'x' || s.sql[0] == 'X'))
      return Verdict::Refuse("42501", "refused by the fuzz hooks");
    return Verdict::Allow();
  }
  void on_columns(uint64_t, const std::vector<ColumnDescription>& c) override {
    columns += c.size();
  }
  void on_row(uint64_t, std::string_view row) override { rows += row.size(); }
  size_t columns = 0;
  size_t rows = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t directions;
  std::memcpy(&directions, data, 8);
  std::string_view rest(reinterpret_cast<const char*>(data) + 8, size - 8);
  FuzzHooks hooks;
  RequestTracker tracker(&hooks);
  std::string due;
  for (unsigned i = 0; !rest.empty(); ++i) {
    FrameResult r = next_frame(rest, 1 << 20);
    if (r.status != FrameStatus::kFrame) break;
    bool from_client = (directions >> (i % 64)) & 1;
    TrackResult t = from_client ? tracker.on_client_message(r.frame, i)
                                : tracker.on_backend_message(r.frame, i);
    if (t == TrackResult::kViolation || t == TrackResult::kTerminate) break;
    due.clear();
    tracker.take_due_responses(due);
    if (tracker.outstanding() > 100000) __builtin_trap();
    rest.remove_prefix(r.consumed);
  }
  return 0;
}
