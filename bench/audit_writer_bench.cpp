// Audit writer throughput: records/s for ~300-byte statement payloads, against a baseline
// measured in the same run (the unavoidable work: copying the record and hashing it).
//
//   build/audit_writer_bench [--benchmark_min_time=2]
//
// BM_Baseline_CopyAndHash   memcpy + SHA-256 chain hash per record, into memory
// BM_Append                 StreamWriter::append (balanced: the syncer msyncs every 5 ms)
// BM_AppendStrictGroup/16   strict: every 16 appends wait for their group commit

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>

#include "audit/crc32c.h"
#include "audit/format.h"
#include "audit/signer.h"
#include "audit/writer.h"

namespace {

using namespace gh::audit;
namespace fs = std::filesystem;

std::string payload(int64_t i) {
  std::string sql = "SELECT id, name, email FROM customers WHERE region = $1 AND id > " +
                    std::to_string(i) + " ORDER BY id LIMIT 50";
  return R"({"session":"7f3c9a2e-41d2-4c1b-9a55-0c1f5e2b7a10","n":)" + std::to_string(i) +
         R"(,"protocol":"extended","sql":")" + sql +
         R"(","statement_name":"","portal":"","params":["eu-west"],"params_truncated":[],)"
         R"("decision":"allow"})";
}

Signer& signer() {
  static std::unique_ptr<Signer> s = std::move(Signer::generate()).value();
  return *s;
}

struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gh_audit_bench_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

std::unique_ptr<StreamWriter> open_writer(const std::string& dir) {
  WriterOptions o;
  o.dir = dir;
  o.signer = &signer();
  auto w = StreamWriter::open(o);
  if (!w.ok()) std::abort();
  return std::move(w).value();
}

void BM_Baseline_CopyAndHash(benchmark::State& state) {
  const std::string p = payload(12345);
  std::string buf(64 << 20, '\0');
  size_t pos = 0;
  ChainHash h{};
  int64_t seq = 0;
  for (auto _ : state) {
    size_t n = record_size(p.size());
    if (pos + n > buf.size()) pos = 0;
    ++seq;
    encode_record(buf.data() + pos, h, RecordType::kStatement, seq, seq, p, &h);
    pos += n;
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(p.size()));
}
BENCHMARK(BM_Baseline_CopyAndHash);

void BM_Append(benchmark::State& state) {
  TempDir dir;
  auto w = open_writer(dir.path);
  const std::string p = payload(12345);
  int64_t t = 1'700'000'000'000'000'000;
  for (auto _ : state) {
    auto seq = w->append(RecordType::kStatement, ++t, p);
    if (!seq.ok()) state.SkipWithError(seq.status().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(p.size()));
  state.counters["segments"] = static_cast<double>(w->segment() + 1);
  (void)w->close();
}
BENCHMARK(BM_Append)->UseRealTime();

void BM_AppendStrictGroup(benchmark::State& state) {
  TempDir dir;
  auto w = open_writer(dir.path);
  const std::string p = payload(12345);
  const int group = static_cast<int>(state.range(0));
  std::mutex mu;
  std::condition_variable cv;
  int64_t t = 1'700'000'000'000'000'000;
  int64_t records = 0;
  for (auto _ : state) {
    uint64_t last = 0;
    for (int i = 0; i < group; ++i) last = *w->append(RecordType::kStatement, ++t, p);
    bool done = false;
    w->request_sync(last, [&](bool) {
      std::lock_guard lk(mu);
      done = true;
      cv.notify_one();
    });
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return done; });
    records += group;
  }
  state.SetItemsProcessed(records);
  (void)w->close();
}
BENCHMARK(BM_AppendStrictGroup)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::printf("payload %zu bytes, record %zu bytes, crc32c hardware: %s\n", payload(12345).size(),
              record_size(payload(12345).size()), crc32c::hardware_accelerated() ? "yes" : "no");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
