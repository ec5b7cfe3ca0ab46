// The committed seeds of fuzz/jwks (written by fuzz/jwks/make_seeds.py) must reach the paths
// they are named for: accept_* accepted, the others refused.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../../fuzz/jwks/jwks_driver.h"

namespace gh::identity {
namespace {

namespace fs = std::filesystem;

TEST(JwksFuzzCorpus, SeedsHaveTheExpectedOutcome) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(GH_SOURCE_DIR) / "fuzz/jwks/corpus")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string name = entry.path().filename().string();
    auto want =
        name.rfind("accept_", 0) == 0 ? fuzz_idp::Outcome::kAccepted : fuzz_idp::Outcome::kRefused;
    EXPECT_EQ(fuzz_idp::run_one(ss.str()), want) << name;
    ++seen;
  }
  EXPECT_GE(seen, 15);
}

}  // namespace
}  // namespace gh::identity
