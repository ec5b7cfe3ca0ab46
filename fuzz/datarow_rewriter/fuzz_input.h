#pragma once

// The input layout of fuzz_datarow_rewriter, shared with the unit test that replays the
// committed seeds (tests/unit/masking/fuzz_corpus_test.cpp):
//   byte 0      mode: bit 0 = COPY instead of DataRow; bit 1 = CSV; bit 2 = HEADER;
//               bit 3 = ';' delimiter (else the format's default)
//   byte 1      column count of the plan (0..15)
//   next n      per column: bits 0-1 action (0 pass, 1 mask, 2 detect, 3 pass), bits 2-4
//               style (0 redact, 1 partial first, 2 partial last, 3 hash, 4 null, else
//               redact), bit 5 binary format, bit 6 text type, bit 7 partial keeps 4 (else 1)
//   the rest    the DataRow body, or the CopyData payload
// fuzz/datarow_rewriter/make_seeds.py writes seeds in this layout.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "masking/copy_rewriter.h"

namespace gh::masking::fuzz {

struct Input {
  bool copy = false;
  CopyFormat format;
  MaskPlan plan;  // hash_key and detectors left for the caller
  std::string_view body;
};

inline ColumnMask column_from(uint8_t b) {
  static const ColumnAction kActions[] = {ColumnAction::kPass, ColumnAction::kMask,
                                          ColumnAction::kDetect, ColumnAction::kPass};
  ColumnMask c;
  c.action = kActions[b & 3];
  const uint32_t keep = (b & 0x80) ? 4 : 1;
  switch ((b >> 2) & 7) {
    case 1:
      c.style = Style::partial_first(keep);
      break;
    case 2:
      c.style = Style::partial_last(keep);
      break;
    case 3:
      c.style = Style::hash();
      break;
    case 4:
      c.style = Style::null();
      break;
    default:
      c.style = Style::redact();
      break;
  }
  c.format = (b & 0x20) ? ValueFormat::kBinary : ValueFormat::kText;
  c.text_type = (b & 0x40) != 0;
  return c;
}

inline std::optional<Input> decode_input(std::string_view data) {
  if (data.size() < 2) return std::nullopt;
  const auto mode = static_cast<uint8_t>(data[0]);
  const size_t columns = static_cast<uint8_t>(data[1]) % 16;
  if (data.size() < 2 + columns) return std::nullopt;
  Input in;
  in.copy = (mode & 1) != 0;
  in.format = (mode & 2) ? CopyFormat::csv() : CopyFormat::text();
  in.format.header = (mode & 4) != 0;
  if (mode & 8) in.format.delimiter = ';';
  for (size_t c = 0; c < columns; ++c) {
    in.plan.columns.push_back(column_from(static_cast<uint8_t>(data[2 + c])));
  }
  in.body = data.substr(2 + columns);
  return in;
}

inline const std::vector<std::string>& all_detectors() {
  static const std::vector<std::string> kAll = {
      "credit_card", "us_ssn", "email", "phone", "iban", "aws_access_key", "jwt", "private_key"};
  return kAll;
}

}  // namespace gh::masking::fuzz
