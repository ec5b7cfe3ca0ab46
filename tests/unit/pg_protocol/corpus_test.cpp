// The committed fuzz seeds are fixtures too: they are re-fed at every chunk size, and
// the SCRAM seeds (written by fuzz/make_corpus.py with Python's hashlib) must verify
// with the C++ client, which keeps the generator and the code in agreement.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chunked.h"
#include "pg/protocol/frame.h"
#include "pg/protocol/scram.h"

namespace gh::pg {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> seeds(const char* target) {
  std::vector<fs::path> out;
  fs::path dir = fs::path(GH_SOURCE_DIR) / "fuzz" / target / "corpus";
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST(Corpus, FrameSeedsSplitTheSameAtEveryChunkSize) {
  std::vector<fs::path> files = seeds("frame_decoder");
  ASSERT_FALSE(files.empty());
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    testing::split_all_chunkings(read_file(f), 1 << 20);
  }
}

TEST(Corpus, StartupSeedsSplitTheSameAtEveryChunkSize) {
  std::vector<fs::path> files = seeds("startup_packet");
  ASSERT_FALSE(files.empty());
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    std::string bytes = read_file(f);
    // SSLRequest first, then the startup message.
    testing::split_all_chunkings(bytes, 1 << 20, f.filename() == "ssl_then_startup" ? 2 : 1);
  }
}

TEST(Corpus, ScramValidSeedVerifies) {
  std::string bytes =
      read_file(fs::path(GH_SOURCE_DIR) / "fuzz/scram_client/corpus/valid_exchange");
  size_t nul = bytes.find('\0');
  ASSERT_NE(nul, std::string::npos);
  // Same constants as fuzz/scram_client/target.cpp.
  ScramClient client("fuzz-password", "fuzzclientnonce0000000000");
  ASSERT_TRUE(client.handle_server_first(bytes.substr(0, nul)).ok());
  Status s = client.verify_server_final(bytes.substr(nul + 1));
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace gh::pg
