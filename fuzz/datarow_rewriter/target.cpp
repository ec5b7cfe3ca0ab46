// The DataRow and COPY row rewriters on arbitrary bytes: the backend (or anything posing as
// one) controls every DataRow and CopyData body, and the client controls the values in them.
// Must never crash, read out of bounds, hang or leak. Each input also checks:
//   - an error leaves the output buffer as it was, and a DataRow error means the body really
//     is malformed (check_data_row agrees) or has the wrong column count;
//   - kUnchanged means no masked column held a value (a kMask column always rewrites);
//   - a rewritten DataRow is a well-formed message with the same column count, pass columns
//     byte for byte as they were, NULL inputs still NULL, and each masked value in the shape
//     its style gives (marker, token, NULL, or a partial with the same character count);
//   - a rewritten CopyData payload parses again with the same number of fields per row.
//
// Input layout: fuzz_input.h.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "masking/row_rewriter.h"

namespace {

using namespace gh::masking;

void fail(const char* what) {
  std::fprintf(stderr, "datarow_rewriter invariant broken: %s\n", what);
  std::abort();
}

struct Value {
  bool null = false;
  std::string_view bytes;
};

// An independent DataRow reader: the values, or false if malformed.
bool read_row(std::string_view body, std::vector<Value>& out) {
  out.clear();
  if (body.size() < 2) return false;
  const int n =
      static_cast<int16_t>((static_cast<uint8_t>(body[0]) << 8) | static_cast<uint8_t>(body[1]));
  if (n < 0) return false;
  size_t pos = 2;
  for (int i = 0; i < n; ++i) {
    if (body.size() - pos < 4) return false;
    uint32_t u = 0;
    for (int k = 0; k < 4; ++k) u = (u << 8) | static_cast<uint8_t>(body[pos + k]);
    const auto len = static_cast<int32_t>(u);
    pos += 4;
    if (len == -1) {
      out.push_back({true, {}});
      continue;
    }
    if (len < 0 || static_cast<size_t>(len) > body.size() - pos) return false;
    out.push_back({false, body.substr(pos, static_cast<size_t>(len))});
    pos += static_cast<size_t>(len);
  }
  return pos == body.size();
}

const HashKey& key() {
  static const auto k = std::move(HashKey::create("fuzz key")).value();
  return *k;
}

const DetectorSet& detectors() {
  static const DetectorSet d = std::move(DetectorSet::build(fuzz::all_detectors())).value();
  return d;
}

void check_masked(const ColumnMask& col, const Value& in, const Value& out) {
  if (in.null) {
    if (!out.null) fail("a NULL value came out non-NULL");
    return;
  }
  if (col.action == ColumnAction::kPass) {
    if (out.null || out.bytes != in.bytes) fail("a pass column changed");
    return;
  }
  if (col.action != ColumnAction::kMask) return;  // detect: spans, checked by unit tests
  const bool opaque = col.format == ValueFormat::kBinary && !col.text_type;
  if (opaque || col.style.kind == StyleKind::kNull) {
    if (!out.null) fail("a value that must become NULL did not");
    return;
  }
  if (out.null) fail("a masked value became NULL under a non-null style");
  switch (col.style.kind) {
    case StyleKind::kRedact:
      if (out.bytes != kRedactedMarker) fail("redact did not give the marker");
      break;
    case StyleKind::kHash:
      if (out.bytes.size() != 22 || out.bytes.substr(0, 2) != "h:") fail("bad hash token");
      break;
    default:
      if (count_chars(out.bytes) != count_chars(in.bytes)) fail("partial changed the length");
      break;
  }
}

void fuzz_data_row(const MaskPlan& plan, std::string_view body) {
  RowRewriter rw(plan);
  std::string out = "prefix";
  auto r = rw.rewrite(body, out);
  std::vector<Value> in_values;
  const bool well_formed = read_row(body, in_values);
  if (well_formed != check_data_row(body).ok()) fail("check_data_row disagrees");
  if (!r.ok()) {
    if (out != "prefix") fail("error left output behind");
    const bool count_mismatch = plan.masks_anything() && in_values.size() != plan.columns.size();
    if (well_formed && !count_mismatch) fail("a well-formed row was refused");
    return;
  }
  if (!well_formed) fail("a malformed row was accepted");
  if (*r == RewriteOutcome::kUnchanged) {
    if (out != "prefix") fail("unchanged but output appended");
    for (size_t c = 0; c < plan.columns.size() && c < in_values.size(); ++c) {
      if (plan.columns[c].action == ColumnAction::kMask && !in_values[c].null) {
        fail("a masked column passed unchanged");
      }
    }
    return;
  }
  const std::string_view msg = std::string_view(out).substr(6);
  if (msg.size() < 7 || msg[0] != kDataRowType) fail("rewritten message without its header");
  uint32_t len = 0;
  for (int k = 1; k <= 4; ++k) len = (len << 8) | static_cast<uint8_t>(msg[k]);
  if (len != msg.size() - 1) fail("rewritten message length is wrong");
  std::vector<Value> out_values;
  if (!read_row(msg.substr(5), out_values)) fail("rewritten row is malformed");
  if (out_values.size() != in_values.size()) fail("rewritten row has another column count");
  for (size_t c = 0; c < in_values.size(); ++c) {
    check_masked(plan.columns[c], in_values[c], out_values[c]);
  }
  if (rw.counts().total() == 0) fail("rewritten but nothing counted");
}

void fuzz_copy(const MaskPlan& plan, const CopyFormat& f, std::string_view payload) {
  CopyRewriter rw(plan, f);
  std::string out = "prefix";
  auto r = rw.rewrite(payload, out);
  if (!r.ok() || *r == RewriteOutcome::kUnchanged) {
    if (out != "prefix") fail("copy: error or unchanged left output behind");
    return;
  }
  const std::string_view msg = std::string_view(out).substr(6);
  if (msg.size() < 5 || msg[0] != kCopyDataType) fail("copy: rewritten message without header");
  uint32_t len = 0;
  for (int k = 1; k <= 4; ++k) len = (len << 8) | static_cast<uint8_t>(msg[k]);
  if (len != msg.size() - 1) fail("copy: rewritten message length is wrong");
  // Every column masked: the count check runs on every row of the output.
  MaskPlan all = plan;
  for (ColumnMask& c : all.columns) c = {ColumnAction::kMask, Style::redact()};
  CopyRewriter again(all, f);
  std::string scratch;
  if (!again.rewrite(msg.substr(5), scratch).ok()) fail("copy: rewritten payload does not parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::decode_input({reinterpret_cast<const char*>(data), size});
  if (!in) return 0;
  in->plan.hash_key = &key();
  in->plan.detectors = &detectors();
  if (in->copy) {
    fuzz_copy(in->plan, in->format, in->body);
  } else {
    fuzz_data_row(in->plan, in->body);
  }
  return 0;
}
