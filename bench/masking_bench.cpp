// Masking cost per row and per value, against a baseline measured in the same run: copying
// the DataRow message into an output buffer (what any forwarding costs at least).
//
//   build/masking_bench [--benchmark_min_time=1]
//
// BM_Baseline_CopyRow          append the 6-column DataRow message to a reused buffer
// BM_Row_PassThrough_NoPlan    RowRewriter with no plan: the row is checked, not copied
// BM_Row_PassThrough_Plan      a plan masking 2 of 6 columns, those 2 NULL: checked, not copied
// BM_Row_Rewrite_2of6          2 of 6 columns masked, partial(last=4) and hash
// BM_Detect_NoMatch_40B        the detector set (all 8) on a 40-byte value with nothing in it
// BM_Detect_Match_40B          ... on a 40-byte value holding an email address
// BM_Detect_Throughput_4KB     ... on 4 KB of ordinary text (MB/s per core)
// BM_HashToken                 one hash-style token (HMAC-SHA256 + base32)

#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <vector>

#include "masking/detectors.h"
#include "masking/row_rewriter.h"

namespace {

using gh::masking::ColumnAction;
using gh::masking::ColumnMask;
using gh::masking::DetectorSet;
using gh::masking::HashKey;
using gh::masking::MaskPlan;
using gh::masking::RowRewriter;
using gh::masking::Style;

void put_be(std::string& out, uint32_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string row_body(const std::vector<std::optional<std::string>>& row) {
  std::string b;
  put_be(b, static_cast<uint32_t>(row.size()), 2);
  for (const auto& v : row) {
    put_be(b, v ? static_cast<uint32_t>(v->size()) : 0xFFFFFFFFu, 4);
    if (v) b += *v;
  }
  return b;
}

// A customers row: id, name, email, ssn, created_at, status.
const std::vector<std::optional<std::string>> kRow = {
    "81259", "Alice Example", "alice@example.com", "123-45-6789", "2024-02-29 12:34:56.789+00",
    "active"};

const HashKey& key() {
  static const auto k = std::move(HashKey::create("bench key")).value();
  return *k;
}

const DetectorSet& detectors() {
  static const DetectorSet d = std::move(DetectorSet::build(std::vector<std::string>{
                                             "credit_card", "us_ssn", "email", "phone", "iban",
                                             "aws_access_key", "jwt", "private_key"}))
                                   .value();
  return d;
}

MaskPlan two_of_six() {
  MaskPlan p;
  p.columns.resize(6);
  p.columns[2] = {ColumnAction::kMask, Style::hash()};
  p.columns[3] = {ColumnAction::kMask, Style::partial_last(4)};
  p.hash_key = &key();
  return p;
}

void BM_Baseline_CopyRow(benchmark::State& state) {
  const std::string body = row_body(kRow);
  std::string out;
  for (auto _ : state) {
    out.clear();
    out.push_back('D');
    put_be(out, static_cast<uint32_t>(body.size() + 4), 4);
    out.append(body);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Baseline_CopyRow);

void BM_Row_PassThrough_NoPlan(benchmark::State& state) {
  const std::string body = row_body(kRow);
  RowRewriter rw{MaskPlan{}};
  std::string out;
  for (auto _ : state) benchmark::DoNotOptimize(rw.rewrite(body, out));
}
BENCHMARK(BM_Row_PassThrough_NoPlan);

void BM_Row_PassThrough_Plan(benchmark::State& state) {
  auto row = kRow;
  row[2] = row[3] = std::nullopt;
  const std::string body = row_body(row);
  RowRewriter rw(two_of_six());
  std::string out;
  for (auto _ : state) benchmark::DoNotOptimize(rw.rewrite(body, out));
}
BENCHMARK(BM_Row_PassThrough_Plan);

void BM_Row_Rewrite_2of6(benchmark::State& state) {
  const std::string body = row_body(kRow);
  RowRewriter rw(two_of_six());
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(rw.rewrite(body, out));
  }
}
BENCHMARK(BM_Row_Rewrite_2of6);

void run_detect(benchmark::State& state, const std::string& v) {
  const DetectorSet& d = detectors();
  for (auto _ : state) benchmark::DoNotOptimize(d.detect(v));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * v.size()));
}

void BM_Detect_NoMatch_40B(benchmark::State& state) {
  const std::string v = "Order 81259 shipped 2024-02-29 to Berlin";  // 40 bytes
  run_detect(state, v);
}
BENCHMARK(BM_Detect_NoMatch_40B);

void BM_Detect_Match_40B(benchmark::State& state) {
  const std::string v = "Order 81259 mailed to alice@example.com.";  // 40 bytes
  run_detect(state, v);
}
BENCHMARK(BM_Detect_Match_40B);

void BM_Detect_Throughput_4KB(benchmark::State& state) {
  std::string v;
  while (v.size() < 4096) {
    v += "Order 81259 for customer 4471 shipped on 2024-02-29 12:34:56 via DHL, version 2.4.1, "
         "total EUR 1,234.56 (ticket #99812). ";
  }
  v.resize(4096);
  run_detect(state, v);
}
BENCHMARK(BM_Detect_Throughput_4KB);

void BM_HashToken(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    gh::masking::append_hash_token(key(), "alice@example.com", out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_HashToken);

}  // namespace

BENCHMARK_MAIN();
