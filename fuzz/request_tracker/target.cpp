// Drives the session's request tracker with arbitrary messages from both sides: the first
// 8 bytes choose, bit by bit, whether each following message comes from the client or the
// server; the rest is split into messages. Hooks ask for everything, refuse some statements
// and ask estimates for others, so the refusal, discard-until-Sync and EXPLAIN paths run too; with
// the top bit of the first 8 bytes set a result filter rewrites rows and the gateway runs its own
// queries between requests. Must
// never crash, hang or grow without bound.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "pg/protocol/frame.h"
#include "pg/session/request_tracker.h"

// The tracker is compiled in directly: the rest of pg/session needs Asio coroutines,
// which the fuzz toolchain (clang 14 with libstdc++) does not build.
#include "../../src/pg/session/request_estimate.cpp"  // NOLINT(bugprone-suspicious-include)
#include "../../src/pg/session/request_filtering.cpp"  // NOLINT(bugprone-suspicious-include)
#include "../../src/pg/session/request_refusals.cpp"  // NOLINT(bugprone-suspicious-include)
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
    if (!s.sql.empty() && (s.sql[0] == 'e' || s.sql[0] == 'E') && !s.at_parse) {
      if (s.estimates.empty()) {
        Verdict ask;
        ask.estimates_needed.push_back(s.sql);
        return ask;
      }
      for (const PlanEstimate& e : s.estimates) {
        if (!e.ok && (e.sqlstate.data()[e.sqlstate.size()] != '\0' || e.error.empty()))
          __builtin_trap();  // a failed estimate always says why, NUL-terminated
        if (!e.ok || e.rows > 100) return Verdict::Refuse("42501", "estimate refused");
      }
    }
    return Verdict::Allow();
  }
  void on_columns(uint64_t, const std::vector<ColumnDescription>& c) override {
    columns += c.size();
  }
  void on_row(uint64_t, std::string_view row) override { rows += row.size(); }
  size_t columns = 0;
  size_t rows = 0;
};

// A result filter that masks every value of every row (as the masking hook does for rows of an
// unknown shape), and a sink for the gateway's own query: so the row rewriting, hidden
// Describe and internal query paths run too.
class FuzzFilter final : public ResultFilter, public InternalQuerySink {
 public:
  bool filtering() const override { return true; }
  void begin_rows(uint64_t, const std::vector<ColumnDescription>& c, const std::string* formats,
                  bool unknown) override {
    width = unknown ? -1 : static_cast<int>(c.size());
    if (formats != nullptr && formats->size() % 2 != 0) __builtin_trap();
  }
  void begin_copy(uint64_t, bool, uint16_t) override {}
  RowRewrite rewrite(char type, std::string_view body, std::string& out) override {
    if (type != 'D') return body.size() % 3 == 0 ? RowRewrite::kUnchanged : RowRewrite::kFailed;
    uint16_t n = 0;
    if (!validate_data_row(body, &n)) return RowRewrite::kFailed;
    if (n == 0) return RowRewrite::kUnchanged;
    out.push_back('D');
    out.append(4, '\0');
    out.append(body.substr(0, 2));
    for (uint16_t i = 0; i < n; ++i) out.append("\0\0\0\x01*", 5);
    uint32_t len = static_cast<uint32_t>(out.size() - 1);
    for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>(len >> (24 - 8 * i));
    return RowRewrite::kRewritten;
  }
  std::string_view finish_result(uint64_t) override { return "[]"; }
  void on_internal_row(size_t, std::string_view body) override { internal_bytes += body.size(); }
  void on_internal_done(std::string_view, std::string_view) override { ++internal_done; }
  int width = 0;
  size_t internal_bytes = 0;
  size_t internal_done = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t directions;
  std::memcpy(&directions, data, 8);
  std::string_view rest(reinterpret_cast<const char*>(data) + 8, size - 8);
  FuzzHooks hooks;
  FuzzFilter filter;
  RequestTracker tracker(&hooks);
  const bool filtered = (directions >> 63) & 1;
  if (filtered) tracker.set_filter(&filter);
  std::string due;
  // A client message the hooks asked estimates for: the relay offers it again once the
  // server has answered the EXPLAIN, and sends nothing else from the client meanwhile.
  bool held = false;
  Frame held_frame;
  for (unsigned i = 0; !rest.empty(); ++i) {
    if (held && !tracker.estimate_pending()) {
      held = false;
      TrackResult again = tracker.on_client_message(held_frame, i);
      if (again == TrackResult::kEstimate) __builtin_trap();  // never asks twice
      if (again == TrackResult::kViolation || again == TrackResult::kTerminate) break;
    }
    if (filtered && !held && !tracker.internal_pending() && tracker.idle() && i % 7 == 3)
      tracker.start_internal_query("SELECT 1", &filter, i);
    FrameResult r = next_frame(rest, 1 << 20);
    if (r.status != FrameStatus::kFrame) break;
    bool from_client = !held && ((directions >> (i % 64)) & 1);
    TrackResult t = from_client ? tracker.on_client_message(r.frame, i)
                                : tracker.on_backend_message(r.frame, i);
    if (t == TrackResult::kEstimate) {
      held = true;
      held_frame = r.frame;
    }
    if (t == TrackResult::kViolation || t == TrackResult::kTerminate) break;
    due.clear();
    tracker.take_due_responses(due);
    if (tracker.outstanding() > 100000) __builtin_trap();
    rest.remove_prefix(r.consumed);
  }
  return 0;
}
