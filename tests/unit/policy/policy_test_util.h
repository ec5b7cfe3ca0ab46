#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "identity/principal.h"
#include "policy/load.h"
#include "policy/policy.h"
#include "sql/analyzer.h"

namespace gh::policy::testing {

inline std::filesystem::path source_dir() { return std::filesystem::path(GH_SOURCE_DIR); }

// A policy from the text of a guardrails mapping; fails the test on problems.
inline std::shared_ptr<const Policy> compile(const std::string& yaml,
                                             const std::filesystem::path& dir = "/nonexistent") {
  auto p = load_policy_yaml(yaml, "test.yaml", dir);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return nullptr;
  return p.value();
}

// The problems of a guardrails mapping ("" if it loads).
inline std::string problems(const std::string& yaml,
                            const std::filesystem::path& dir = "/nonexistent") {
  auto p = load_policy_yaml(yaml, "test.yaml", dir);
  return p.ok() ? std::string() : p.status().message();
}

// Analyzes SQL and judges it. Keeps the analyzer's result alive (the decision's facts).
class Judge {
 public:
  explicit Judge(std::shared_ptr<const Policy> p) : policy_(std::move(p)) {
    principal_.subject = "agent-1";
    principal_.groups = {"data-agents"};
  }

  Decision decide(std::string_view sql, const DecideContext& ctx = {}) {
    const auto& a = analyzer_.analyze(sql);
    return policy_->decide(a.statements, subject(), ctx);
  }
  Action action(std::string_view sql, const DecideContext& ctx = {}) {
    return decide(sql, ctx).action;
  }
  // The deciding rule's name ("" if none).
  std::string rule(std::string_view sql, const DecideContext& ctx = {}) {
    Decision d = decide(sql, ctx);
    return d.rule ? d.rule->name : std::string();
  }
  Subject subject() const { return Subject{&principal_, connection_}; }

  identity::Principal principal_;
  std::string connection_ = "app";
  sql::Analyzer analyzer_;
  std::shared_ptr<const Policy> policy_;
};

// A corpus file: a line "-- case: <rule>: <what>" (or "-- case: <what>" for benign files)
// starts an entry that runs to the next one; lines before the first are a header.
struct CorpusCase {
  std::string label;  // what follows "-- case: "
  std::string sql;
  int line = 0;
};

inline std::vector<CorpusCase> read_corpus(const std::filesystem::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  std::vector<CorpusCase> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("-- case: ", 0) == 0) {
      out.push_back({line.substr(9), "", n});
    } else if (!out.empty()) {
      out.back().sql += line + "\n";
    }
  }
  return out;
}

// The entries of tests/unit/sql/data files: a line "-- name" starts one.
inline std::vector<CorpusCase> read_sql_module_data(const std::string& file) {
  std::ifstream in(source_dir() / "tests/unit/sql/data" / file);
  EXPECT_TRUE(in.good()) << file;
  std::vector<CorpusCase> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const bool header =
        line.size() > 3 && line.rfind("-- ", 0) == 0 &&
        line.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
                               3) == std::string::npos;
    if (header) {
      out.push_back({line.substr(3), "", n});
    } else if (!out.empty()) {
      out.back().sql += line + "\n";
    }
  }
  return out;
}

}  // namespace gh::policy::testing
