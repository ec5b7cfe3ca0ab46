// The copies_masked_data condition asks the session's masking (DecideContext::masked); without
// masking nothing copies masked data. The agent-safe pack blocks such copies, nested ones too.

#include "policy/agent_safe_pack.h"
#include "policy_test_util.h"

namespace gh::policy {
namespace {

using testing::compile;
using testing::Judge;

// Stands in for the session's masking hook: statements that write and read `people` copy
// masked data.
class PeopleAreMasked final : public MaskedData {
 public:
  bool copies_masked_data(const sql::StatementFacts& f) const override {
    ++asked;
    bool reads = false;
    for (const auto& r : f.relations_read) reads |= r.name == "people";
    return reads && !f.relations_written.empty();
  }
  mutable int asked = 0;
};

TEST(MaskedData, ConditionAsksTheSessionsMasking) {
  Judge j(compile("rules:\n  - { name: no-copies, match: { copies_masked_data: true }, action: block }\n"));
  PeopleAreMasked masked;
  DecideContext ctx;
  ctx.masked = &masked;
  EXPECT_EQ(j.rule("INSERT INTO t SELECT ssn FROM people", ctx), "no-copies");
  EXPECT_EQ(j.rule("CREATE TABLE t AS SELECT ssn FROM people", ctx), "no-copies");
  EXPECT_EQ(j.rule("WITH w AS (INSERT INTO t SELECT ssn FROM people RETURNING 1) SELECT 1", ctx),
            "no-copies");
  EXPECT_EQ(j.rule("SELECT ssn FROM people", ctx), "");
  EXPECT_EQ(j.rule("INSERT INTO t SELECT a FROM other", ctx), "");
  EXPECT_GT(masked.asked, 0);
  // No masking for the session: nothing copies masked data.
  EXPECT_EQ(j.rule("INSERT INTO t SELECT ssn FROM people"), "");
  EXPECT_EQ(testing::problems("rules:\n  - { name: x, match: { copies_masked_data: maybe }, action: block }\n")
                .find("copies_masked_data") != std::string::npos,
            true);
}

TEST(MaskedData, AgentSafePackBlocksCopiesOfMaskedData) {
  Judge j(compile("include: [agent-safe]\n"));
  PeopleAreMasked masked;
  DecideContext ctx;
  ctx.masked = &masked;
  EXPECT_EQ(j.rule("INSERT INTO t SELECT ssn FROM people WHERE id = 1", ctx),
            "agent-safe/masked-data-copy");
  EXPECT_EQ(j.action("INSERT INTO t SELECT ssn FROM people WHERE id = 1"), Action::kAllow);
  Judge except(compile("include:\n  - { pack: agent-safe, except: [agent-safe/masked-data-copy] }\n"));
  EXPECT_EQ(except.action("INSERT INTO t SELECT ssn FROM people WHERE id = 1", ctx), Action::kAllow);
}

}  // namespace
}  // namespace gh::policy
