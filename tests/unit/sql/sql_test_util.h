#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "facts_text.h"
#include "sql/analyzer.h"

namespace gh::sql::testing {

inline std::vector<std::string> texts(const std::vector<QualifiedName>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(n.text());
  return out;
}

// Analyzes SQL and hands out the facts of its only statement (failing the test otherwise).
class SqlFactsTest : public ::testing::Test {
 protected:
  const StatementFacts& facts(std::string_view sql) {
    const AnalyzedSql& a = analyzer_.analyze(sql);
    EXPECT_EQ(a.statements.size(), 1u) << sql << "\n  => " << facts_text(a);
    if (a.statements.empty()) {
      static const StatementFacts kNone;
      return kNone;
    }
    return a.statements.front();
  }
  std::string text(std::string_view sql) { return facts_text(analyzer_.analyze(sql)); }

  Analyzer analyzer_;
};

}  // namespace gh::sql::testing
