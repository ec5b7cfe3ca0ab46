// The committed seeds of fuzz/sql_analyzer analyze as intended: all parse except the two that
// are there to reach the parser's error path; regress_* seeds are past findings, any outcome.

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sql_test_util.h"

namespace gh::sql {
namespace {

namespace fs = std::filesystem;

TEST(SqlFuzzCorpus, SeedsParseExceptTheErrorSeeds) {
  Analyzer analyzer;
  int seen = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(GH_SOURCE_DIR) / "fuzz/sql_analyzer/corpus")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string name = entry.path().filename().string();
    const AnalyzedSql& a = analyzer.analyze(ss.str());
    const bool error_seed = name == "syntax_error" || name == "unterminated";
    if (name.rfind("regress_", 0) != 0) {
      EXPECT_EQ(a.parsed(), !error_seed) << name << ": " << testing::facts_text(a);
    }
    ++seen;
  }
  EXPECT_GE(seen, 20);
  EXPECT_LE(seen, 40);
}

}  // namespace
}  // namespace gh::sql
