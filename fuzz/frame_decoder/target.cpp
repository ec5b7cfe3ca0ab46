// Splits arbitrary bytes into typed messages and runs every parser that could see each
// message type, from either direction. Also checks that the splitter gives the same
// frames when the bytes arrive in small pieces. Must never crash, hang or allocate
// without bound.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pg/protocol/frame.h"
#include "pg/protocol/messages.h"

namespace {

using namespace gh::pg;

constexpr uint32_t kMaxMessage = 1 << 20;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void parse_message(char type, std::string_view body) {
  switch (type) {
    case msg::kQuery: {
      QueryMessage q;
      if (parse_query(body, q)) FUZZ_CHECK(inside(q.sql, body));
      break;
    }
    case msg::kParse: {
      ParseMessage p;
      if (parse_parse(body, p)) FUZZ_CHECK(inside(p.sql, body) && inside(p.statement, body));
      break;
    }
    case msg::kBind: {
      BindMessage b;
      if (parse_bind(body, b)) {
        std::vector<BindParam> params;
        FUZZ_CHECK(bind_params(b, params));  // a parsed Bind always decodes
        FUZZ_CHECK(params.size() == b.param_count);
        for (const BindParam& p : params) FUZZ_CHECK(inside(p.value, body));
      }
      break;
    }
    case 'E': {  // Execute (client) or ErrorResponse (server)
      ExecuteMessage e;
      (void)parse_execute(body, e);
      ErrorFields f;
      if (parse_error_fields(body, f)) FUZZ_CHECK(inside(f.message, body));
      break;
    }
    case msg::kNoticeResponse: {
      ErrorFields f;
      (void)parse_error_fields(body, f);
      break;
    }
    case 'D': {  // Describe (client) or DataRow (server)
      TargetMessage t;
      if (parse_target(body, t)) FUZZ_CHECK(t.kind == 'S' || t.kind == 'P');
      uint16_t columns = 0;
      if (validate_data_row(body, &columns)) FUZZ_CHECK(body.size() >= 2 + 4u * columns);
      break;
    }
    case 'C': {  // Close (client) or CommandComplete (server, a C string)
      TargetMessage t;
      (void)parse_target(body, t);
      QueryMessage tag;
      (void)parse_query(body, tag);
      break;
    }
    case msg::kRowDescription: {
      std::vector<ColumnDescription> cols;
      if (parse_row_description(body, cols)) {
        FUZZ_CHECK(cols.size() * 19 <= body.size());
      } else {
        // Rejected counts must not have reserved memory the body could not justify.
        FUZZ_CHECK(cols.capacity() * 19 <= body.size());
      }
      break;
    }
    case msg::kBackendKeyData: {
      BackendKeyData k;
      if (parse_backend_key_data(body, k)) FUZZ_CHECK(body.size() == 8);
      break;
    }
    case 'S': {  // Sync (client, empty) or ParameterStatus (server)
      ParameterStatus p;
      (void)parse_parameter_status(body, p);
      break;
    }
    case msg::kAuthentication: {
      AuthRequest a;
      if (parse_auth_request(body, a)) FUZZ_CHECK(a.data.size() + 4 == body.size());
      break;
    }
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // Whole input at once.
  std::vector<std::string_view> frames;
  std::string_view rest = input;
  bool error = false;
  while (true) {
    FrameResult r = next_frame(rest, kMaxMessage);
    if (r.status == FrameStatus::kError) {
      FUZZ_CHECK(r.error != nullptr);
      error = true;
      break;
    }
    if (r.status == FrameStatus::kNeedMoreData) {
      FUZZ_CHECK(r.wanted == 0 || r.wanted > rest.size());
      break;
    }
    FUZZ_CHECK(r.consumed >= 5 && r.consumed <= rest.size());
    FUZZ_CHECK(r.frame.raw.data() == rest.data() && r.frame.raw.size() == r.consumed);
    FUZZ_CHECK(r.frame.body.size() + 5 == r.consumed);
    frames.push_back(r.frame.raw);
    parse_message(r.frame.type, r.frame.body);
    rest.remove_prefix(r.consumed);
  }

  // The same bytes arriving in pieces, as from a socket, must give the same frames.
  if (size > 0) {
    size_t chunk = static_cast<size_t>(data[0] % 7) + 1;
    std::string buffer;
    size_t pos = 0, seen = 0;
    bool chunk_error = false;
    for (size_t off = 0; off < size && !chunk_error; off += chunk) {
      buffer.append(input.substr(off, chunk));
      while (true) {
        FrameResult r = next_frame(std::string_view(buffer).substr(pos), kMaxMessage);
        if (r.status == FrameStatus::kError) {
          chunk_error = true;
          break;
        }
        if (r.status == FrameStatus::kNeedMoreData) break;
        FUZZ_CHECK(seen < frames.size() && r.frame.raw == frames[seen]);
        ++seen;
        pos += r.consumed;
      }
    }
    FUZZ_CHECK(seen == frames.size());
    FUZZ_CHECK(chunk_error == error);
  }
  return 0;
}
