// The segment reader and the verifier on arbitrary bytes, as an auditor runs them on files
// an attacker may have touched. The input is one or more segment files back to back: it is
// cut before every "GHAUDSEG" magic (at most 4 pieces), the pieces are read from memory,
// then written as segments 0, 1, ... of a stream and verified from disk. Must never
// crash, hang, leak or allocate without bound.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/reader.h"
#include "audit/signer.h"
#include "audit/verify.h"
#include "fuzz_key.h"

namespace {

using namespace gh::audit;
namespace fs = std::filesystem;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr size_t kMaxPieces = 4;

const Verifier& verifier() {
  static std::unique_ptr<Verifier> v = [] {
    auto r = Verifier::from_pem(fuzz::kPublicKeyPem);
    FUZZ_CHECK(r.ok());
    return std::move(r).value();
  }();
  return *v;
}

const std::string& work_dir() {
  static std::string dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "fuzz_audit_reader_XXXXXX").string();
    FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr);
    return tmpl;
  }();
  return dir;
}

std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> pieces;
  constexpr std::string_view kMagic(kSegmentMagic, sizeof kSegmentMagic);
  size_t start = 0;
  while (pieces.size() + 1 < kMaxPieces) {
    size_t next = in.find(kMagic, start + 1);
    if (next == std::string_view::npos) break;
    pieces.push_back(in.substr(start, next - start));
    start = next;
  }
  pieces.push_back(in.substr(start));
  return pieces;
}

void read_from_memory(std::string_view bytes) {
  auto r = SegmentReader::from_memory(bytes);
  SegmentHeader h;
  if (!r->read_header(&h).ok()) {
    RecordView v;
    FUZZ_CHECK(!r->next(&v));  // nothing without a good header
    return;
  }
  RecordView v;
  uint64_t last_end = kSegmentHeaderSize;
  while (r->next(&v)) {
    FUZZ_CHECK(v.offset == last_end);
    FUZZ_CHECK(v.size == record_size(v.payload.size()) && v.payload.size() <= kMaxPayload);
    FUZZ_CHECK(v.offset + v.size <= bytes.size());
    FUZZ_CHECK(v.payload.data() >= bytes.data() &&
               v.payload.data() + v.payload.size() <= bytes.data() + bytes.size());
    last_end = v.offset + v.size;
  }
  FUZZ_CHECK(r->end_offset() == last_end);
  FUZZ_CHECK(r->status().ok() || r->status().code() == gh::Status::Code::kCorruption);
  auto t = r->scan_trailing(r->end_offset());
  FUZZ_CHECK(t.ok());
  FUZZ_CHECK(t->end <= bytes.size() && (t->end == 0 || t->first_nonzero < t->end));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> pieces = split(input);
  for (std::string_view p : pieces) read_from_memory(p);

  const std::string& root = work_dir();
  const std::string stream_dir = root + "/" + stream_dir_name(0);
  std::error_code ec;
  fs::remove_all(stream_dir, ec);
  fs::create_directories(stream_dir, ec);
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::ofstream out(stream_dir + "/" + segment_file_name(i), std::ios::binary);
    out.write(pieces[i].data(), static_cast<std::streamsize>(pieces[i].size()));
  }
  VerifyReport report = verify(root, verifier(), {});
  FUZZ_CHECK(report.streams == 1);
  FUZZ_CHECK(report.problems.size() <= 1);
  for (const VerifyProblem& p : report.problems) FUZZ_CHECK(!p.to_string().empty());
  (void)report.summary();
  return 0;
}
