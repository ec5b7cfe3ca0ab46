// The committed seeds of fuzz/datarow_rewriter do what their names say: bad_* and the COPY
// seeds cut inside a row or a quote are refused, every other seed is accepted.
// regress_* seeds are past findings, any outcome.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../../../fuzz/datarow_rewriter/fuzz_input.h"
#include "masking/row_rewriter.h"
#include "masking_test_util.h"

namespace gh::masking {
namespace {

namespace fs = std::filesystem;

TEST(MaskingFuzzCorpus, SeedsAreAcceptedOrRefusedAsNamed) {
  auto key = testing::test_key();
  auto detectors = DetectorSet::build(fuzz::all_detectors());
  ASSERT_TRUE(detectors.ok());
  const std::set<std::string> refused_copies = {"copy_text_partial_row",
                                                "copy_text_trailing_escape", "copy_csv_open_quote"};
  int seen = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(GH_SOURCE_DIR) / "fuzz/datarow_rewriter/corpus")) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << file.rdbuf();
    const std::string data = ss.str();
    const std::string name = entry.path().filename().string();
    auto in = fuzz::decode_input(data);
    ASSERT_TRUE(in) << name;
    in->plan.hash_key = key.get();
    in->plan.detectors = &*detectors;
    std::string out;
    Status s;
    if (in->copy) {
      CopyRewriter rw(in->plan, in->format);
      s = rw.rewrite(in->body, out).status();
    } else {
      RowRewriter rw(in->plan);
      s = rw.rewrite(in->body, out).status();
    }
    if (name.rfind("regress_", 0) != 0) {
      const bool refused = name.rfind("bad_", 0) == 0 || refused_copies.count(name) > 0;
      EXPECT_EQ(s.ok(), !refused) << name << ": " << s.message();
    }
    ++seen;
  }
  EXPECT_GE(seen, 30);
}

}  // namespace
}  // namespace gh::masking
