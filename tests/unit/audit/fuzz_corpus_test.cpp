// The committed seeds of fuzz/audit_reader are real segments written by the writer with
// the fuzz key. This test keeps them honest (they must still read, and the ok_ ones still
// verify, as the format evolves). FuzzCorpus.Write generates them into a scratch folder,
// or rewrites the committed ones with GH_WRITE_AUDIT_CORPUS=1:
//   GH_WRITE_AUDIT_CORPUS=1 unit_audit --gtest_filter=FuzzCorpus.Write

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "../../../fuzz/audit_reader/fuzz_key.h"
#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;
namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(GH_SOURCE_DIR) / "fuzz/audit_reader/corpus";

// As the fuzz target does: cut before every segment magic.
std::vector<std::string> split(const std::string& in) {
  std::vector<std::string> out;
  const std::string magic(kSegmentMagic, sizeof kSegmentMagic);
  size_t start = 0;
  while (true) {
    size_t next = in.find(magic, start + 1);
    if (next == std::string::npos) break;
    out.push_back(in.substr(start, next - start));
    start = next;
  }
  out.push_back(in.substr(start));
  return out;
}

class FuzzCorpus : public AuditTest {
 protected:
  std::string session_payloads(int i, RecordType* type) {
    switch (i % 5) {
      case 0:
        *type = RecordType::kSessionStart;
        return R"({"session":"s1","principal":{"kind":"api_key","name":"nightly","owner":"ops",)"
               R"("groups":["data-agents"]},"client":"10.0.0.7:51234","tls":true,)"
               R"("connection":"analytics","user":"nightly","application_name":"psql"})";
      case 1:
        *type = RecordType::kStatement;
        return test::statement_payload(i);
      case 2:
        *type = RecordType::kResult;
        return R"({"session":"s1","n":)" + std::to_string(i) +
               R"(,"columns":[{"name":"id","type_oid":23}],"rows":2,"bytes":40,)"
               R"("duration_us":120,"tag":"SELECT 2","sqlstate":null,"error":null,)"
               R"("sample_rows":[["1"],["2"]]})";
      case 3:
        *type = RecordType::kAuthFailure;
        return R"({"session":"s2","client":"10.0.0.8:40000","user":"x","reason":"unknown key",)"
               R"("category":"credentials"})";
      default:
        *type = RecordType::kSessionEnd;
        return R"({"session":"s1","reason":"client","statements":3,"bytes_in":100,)"
               R"("bytes_out":2000,"duration_ms":12})";
    }
  }
  void write(int n, bool close) {
    auto signer = std::move(Signer::from_pem(fuzz::kPrivateKeyPem)).value();
    auto o = options(0, 4096);
    o.signer = signer.get();
    auto w = open(o);
    for (int i = 0; i < n; ++i) {
      RecordType t;
      std::string p = session_payloads(i, &t);
      ASSERT_TRUE(w->append(t, 1'700'000'000'000'000'000 + i * 1000, p).ok());
      if (i % 4 == 3) w->tick(tick_ns_ += 2'000'000'000);
    }
    if (close) {
      ASSERT_TRUE(w->close().ok());
    }
  }
  std::string seg(uint64_t n) { return test::read_file(seg_path(0, n)); }
};

TEST_F(FuzzCorpus, CommittedSeedsAreRealSegments) {
  auto key = std::move(Verifier::from_pem(fuzz::kPublicKeyPem)).value();
  int seeds = 0;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    ++seeds;
    const std::string name = e.path().filename().string();
    std::string bytes = test::read_file(e.path());
    auto pieces = split(bytes);
    fs::path stream = fs::path(dir_) / "stream-0";
    fs::remove_all(dir_);
    fs::create_directories(stream);
    for (size_t i = 0; i < pieces.size(); ++i) {
      test::write_file(stream / segment_file_name(i), pieces[i]);
      auto r = SegmentReader::from_memory(pieces[i]);
      SegmentHeader h;
      EXPECT_TRUE(r->read_header(&h).ok()) << name;
    }
    VerifyReport v = verify(dir_, *key, {});
    if (name.starts_with("ok_")) {
      EXPECT_TRUE(v.ok()) << name << ": " << v.summary();
      EXPECT_GT(v.checkpoints, 0u) << name;
    } else {
      EXPECT_FALSE(v.ok()) << name;
    }
  }
  EXPECT_GE(seeds, 5);
}

TEST_F(FuzzCorpus, Write) {
  const bool commit = std::getenv("GH_WRITE_AUDIT_CORPUS") != nullptr;
  const fs::path out =
      commit ? kCorpus : fs::temp_directory_path() / ("gh-corpus-" + std::to_string(::getpid()));
  fs::create_directories(out);
  size_t written = 0;
  auto put = [&](const std::string& name, const std::string& bytes) {
    test::write_file(out / name, bytes);
    ++written;
  };
  write(30, true);
  ASSERT_GE(segments_of(0).size(), 3u);
  put("ok_one_segment", seg(0));
  put("ok_three_segments", seg(0) + seg(1) + seg(2));
  std::string flipped = seg(0);
  flipped[kSegmentHeaderSize + 100] ^= 4;
  put("bad_flipped_byte", flipped);
  put("bad_missing_segment", seg(0) + seg(2));

  fs::remove_all(dir_);
  write(6, false);  // a crash: still preallocated, no close
  std::string open_seg = seg(0);
  std::string torn = open_seg;
  size_t end = torn.find_last_not_of('\0') + 1;
  torn.replace(end, 40, seg(0).substr(kSegmentHeaderSize, 40));
  put("bad_torn_tail", torn.substr(0, end + 200));
  write(3, true);  // recovery: closes 0, starts 1 with checkpoint + recovery
  put("ok_recovered", seg(0) + seg(1));
  EXPECT_EQ(written, 6u);
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_GT(fs::file_size(e.path()), kSegmentHeaderSize);
  if (!commit) fs::remove_all(out);
}

}  // namespace
}  // namespace gh::audit
