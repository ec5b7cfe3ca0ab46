// The committed seeds of fuzz/jwt are written by fuzz/jwt/make_seeds.py with keys of its own
// (python-cryptography, a second opinion on JOSE encoding). This keeps them honest: ok_*
// seeds must verify, the others must be refused, and the driver must accept them all.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../../fuzz/jwt/fuzz_driver.h"

namespace gh::identity {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = fs::path(GH_SOURCE_DIR) / "fuzz/jwt/corpus";

TEST(JwtFuzzCorpus, SeedsHaveTheExpectedOutcome) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string name = entry.path().filename().string();
    TokenVerdict verdict(TokenError{TokenFailure::kMalformed, "unset"});
    auto outcome = fuzz::run_one(ss.str(), &verdict);
    ++seen;
    if (name.rfind("ok_", 0) == 0) {
      EXPECT_EQ(outcome, fuzz::Outcome::kTokenOk) << name << ": " << verdict.status().message();
    } else if (name == "jwks_ok") {
      EXPECT_EQ(outcome, fuzz::Outcome::kJwksOk) << name;
    } else if (name.rfind("jwks_", 0) == 0) {
      EXPECT_EQ(outcome, fuzz::Outcome::kJwksRefused) << name;
    } else {
      EXPECT_EQ(outcome, fuzz::Outcome::kTokenRefused) << name;
    }
  }
  EXPECT_GE(seen, 10);
}

TEST(JwtFuzzCorpus, FixedJwksHasItsKeys) {
  const Jwks& jwks = fuzz::fixed_jwks();
  EXPECT_EQ(jwks.size(), 3u);
  EXPECT_EQ(jwks.skipped(), 1u);  // the "oct" key
}

TEST(JwtFuzzCorpus, SeedRefusalsAreTheRightCategory) {
  auto category = [](const std::string& name) {
    std::ifstream in(kCorpus / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    TokenVerdict v(TokenError{TokenFailure::kMalformed, "unset"});
    fuzz::run_one(ss.str(), &v);
    return v.ok() ? std::string("ok") : std::string(category_name(v.category()));
  };
  EXPECT_EQ(category("token_alg_none"), "unsupported_algorithm");
  EXPECT_EQ(category("token_hs256_confusion"), "unsupported_algorithm");
  EXPECT_EQ(category("token_expired"), "expired");
  EXPECT_EQ(category("token_wrong_aud"), "wrong_audience");
  EXPECT_EQ(category("token_unknown_kid"), "unknown_key");
  EXPECT_EQ(category("token_padded"), "malformed");
  EXPECT_EQ(category("signed_claims_bad_groups"), "malformed");
}

}  // namespace
}  // namespace gh::identity
