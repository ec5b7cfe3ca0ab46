#pragma once

// Shared by the audit tests: temp dirs, a signing key, a writer harness, and the
// "attacker's toolkit" that edits segment files and recomputes chains and CRCs.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audit/reader.h"
#include "audit/signer.h"
#include "audit/verify.h"
#include "audit/writer.h"

namespace gh::audit::test {

namespace fs = std::filesystem;

inline Signer& test_signer() {
  static std::unique_ptr<Signer> s = std::move(Signer::generate()).value();
  return *s;
}

inline const Verifier& test_verifier() {
  static std::unique_ptr<Verifier> v =
      std::move(Verifier::from_pem(test_signer().public_key_pem())).value();
  return *v;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A statement-sized payload (~300 bytes), distinct per i.
inline std::string statement_payload(int i) {
  std::string sql = "SELECT id, name, email FROM customers WHERE region = $1 AND id > " +
                    std::to_string(i) + " ORDER BY id LIMIT 50";
  return R"({"session":"s-0001","n":)" + std::to_string(i) + R"(,"protocol":"extended","sql":")" +
         sql +
         R"(","statement_name":"","portal":"","params":["eu-west"],"params_truncated":[],)"
         R"("decision":"allow"})";
}

// One segment file, decoded, as an attacker would edit it.
struct SegmentImage {
  struct Rec {
    RecordType type{};
    uint64_t seq = 0;
    int64_t time_ns = 0;
    std::string payload;
  };
  SegmentHeader header;
  std::vector<Rec> records;
};

inline SegmentImage load_segment(const fs::path& p) {
  SegmentImage img;
  std::string bytes = read_file(p);
  auto r = SegmentReader::from_memory(bytes);
  EXPECT_TRUE(r->read_header(&img.header).ok()) << p;
  RecordView v;
  while (r->next(&v)) img.records.push_back({v.type, v.seq, v.time_ns, std::string(v.payload)});
  EXPECT_TRUE(r->status().ok()) << r->status().message();
  return img;
}

// Writes the image with everything recomputed (chain from header.prev_hash, CRCs): what
// someone who can write the files but does not have the signing key can do. Returns the
// last record's hash.
inline ChainHash write_segment(const fs::path& p, const SegmentImage& img) {
  std::string out(kSegmentHeaderSize, '\0');
  encode_segment_header(img.header, out.data());
  ChainHash h = img.header.prev_hash;
  for (const auto& r : img.records) {
    out += encode_record(h, r.type, r.seq, r.time_ns, r.payload, &h);
  }
  write_file(p, out);
  return h;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gh_audit_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = (root_ / "audit").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_, ec);
  }

  WriterOptions options(uint32_t stream = 0, uint64_t segment_bytes = 4096) {
    WriterOptions o;
    o.dir = dir_;
    o.stream = stream;
    o.segment_bytes = segment_bytes;
    o.signer = &test_signer();
    o.checkpoint_interval = std::chrono::milliseconds(1000);
    o.on_checkpoint = [this](const Checkpoint& cp) { store_.push_back(cp); };
    return o;
  }

  std::unique_ptr<StreamWriter> open(const WriterOptions& o) {
    auto w = StreamWriter::open(o);
    EXPECT_TRUE(w.ok()) << w.status().message();
    return w.ok() ? std::move(w).value() : nullptr;
  }

  // Appends n statements (a checkpoint every `checkpoint_every`, via tick) and closes.
  void write_stream(uint32_t stream, int n, int checkpoint_every = 10,
                    uint64_t segment_bytes = 4096, bool close = true) {
    auto w = open(options(stream, segment_bytes));
    ASSERT_NE(w, nullptr);
    for (int i = 0; i < n; ++i) {
      auto seq =
          w->append(RecordType::kStatement, 1'700'000'000'000'000'000 + i, statement_payload(i));
      ASSERT_TRUE(seq.ok()) << seq.status().message();
      if (checkpoint_every > 0 && (i + 1) % checkpoint_every == 0) {
        tick_ns_ += 2'000'000'000;
        w->tick(tick_ns_);
      }
    }
    if (close) {
      ASSERT_TRUE(w->close().ok());
    }
  }

  fs::path seg_path(uint32_t stream, uint64_t segment) const {
    return fs::path(dir_) / stream_dir_name(stream) / segment_file_name(segment);
  }
  std::vector<uint64_t> segments_of(uint32_t stream) const {
    std::vector<uint64_t> out;
    auto sf = list_stream(dir_, stream);
    for (const auto& s : sf->segments) out.push_back(s.segment);
    return out;
  }

  VerifyReport run_verify(std::optional<int64_t> since = std::nullopt) {
    return verify(dir_, test_verifier(), store_, since);
  }

  // The one problem verify found (fails the test if there is not exactly one).
  VerifyProblem only_problem(const VerifyReport& r) {
    EXPECT_EQ(r.problems.size(), 1u) << r.summary();
    return r.problems.empty() ? VerifyProblem{} : r.problems[0];
  }

  fs::path root_;
  std::string dir_;
  std::vector<Checkpoint> store_;
  int64_t tick_ns_ = 1'000'000'000'000;
};

}  // namespace gh::audit::test
