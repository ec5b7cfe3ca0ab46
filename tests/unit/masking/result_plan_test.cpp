// The mask plan of a result: what the server traces (table OID, attnum), what lineage says of
// computed columns, views resolved through their definitions, and failing closed on what is
// unknown.

#include "masking/result_plan.h"

#include <gtest/gtest.h>

#include "sql/analyzer.h"

namespace gh::masking {
namespace {

constexpr uint32_t kPeople = 20000;
constexpr uint32_t kView = 20001;
constexpr uint32_t kViewOfView = 20002;
constexpr uint32_t kNames = 20003;
constexpr uint32_t kText = 25;
constexpr uint32_t kInt4 = 23;

MaskRule ssn_rule() {
  MaskRule r;
  r.name = "pii";
  r.style = Style::partial_last(4);
  std::string why;
  r.columns.push_back(ColumnPattern{*Glob::compile("public", why), *Glob::compile("people", why),
                                    *Glob::compile("ssn", why), "public.people.ssn"});
  return r;
}

class ResultPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    CatalogSnapshot snap;
    snap.columns = {
        {kPeople, 1, "public", "people", "id", kInt4, 'r'},
        {kPeople, 2, "public", "people", "name", kText, 'r'},
        {kPeople, 3, "public", "people", "ssn", kText, 'r'},
        {kView, 1, "public", "people_v", "id", kInt4, 'v'},
        {kView, 2, "public", "people_v", "u", kText, 'v'},
        {kView, 3, "public", "people_v", "s", kText, 'v'},
        {kViewOfView, 1, "public", "people_vv", "u", kText, 'v'},
        {kNames, 1, "public", "names", "id", kInt4, 'v'},
        {kNames, 2, "public", "names", "name", kText, 'v'},
    };
    snap.views = {
        {kView, " SELECT people.id, upper(people.ssn) AS u, people.ssn AS s FROM people;"},
        {kViewOfView, " SELECT people_v.u FROM people_v;"},
        {kNames, " SELECT people.id, people.name FROM people;"},
    };
    snap.user_functions = {"get_ssn"};
    session_.catalog = std::make_shared<const MaskCatalog>(
        MaskCatalog::build(snap, {&rule_}, &analyzer_));
    session_.has_column_rules = true;
  }

  const sql::StatementFacts* facts(std::string_view sql) {
    analyzed_ = analyzer_.analyze_shared(sql);
    return &analyzed_->statements.front();
  }

  // "pass" / "mask:<style>" per column.
  std::vector<std::string> plan(std::vector<ResultColumn> cols, const sql::StatementFacts* f) {
    PlannedResult out;
    plan_result(session_, cols, f, out);
    stale_ = out.stale_catalog;
    std::vector<std::string> r;
    for (size_t i = 0; i < cols.size(); ++i) {
      if (out.plan.columns.empty() || out.plan.columns[i].action == ColumnAction::kPass) {
        r.push_back("pass");
      } else if (out.plan.columns[i].action == ColumnAction::kDetect) {
        r.push_back("detect");
      } else {
        r.push_back("mask:" + to_string(out.plan.columns[i].style));
      }
    }
    return r;
  }

  MaskRule rule_ = ssn_rule();
  sql::Analyzer analyzer_;
  std::shared_ptr<const sql::AnalyzedSql> analyzed_;
  SessionMasking session_;
  bool stale_ = false;
};

using V = std::vector<std::string>;

TEST_F(ResultPlan, TracedColumnsGetTheirRuleWhateverTheAlias) {
  EXPECT_EQ(plan({{kPeople, 3, kText}, {kPeople, 2, kText}},
                 facts("SELECT p.ssn AS harmless, name FROM people p")),
            (V{"mask:partial(last=4)", "pass"}));
}

TEST_F(ResultPlan, ComputedColumnsFollowLineageAndAreRedactedWhole) {
  EXPECT_EQ(plan({{0, 0, kText}, {0, 0, kText}, {0, 0, kInt4}},
                 facts("SELECT upper(ssn), name || 'x', length(ssn) FROM people")),
            (V{"mask:redact", "pass", "mask:null"}));
  EXPECT_EQ(plan({{0, 0, kText}}, facts("SELECT row_to_json(p)::text FROM people p")),
            (V{"mask:redact"}));
  EXPECT_EQ(plan({{0, 0, kText}}, facts("SELECT get_ssn(1)")), (V{"mask:redact"}));
  EXPECT_EQ(plan({{0, 0, kText}}, facts("SELECT upper('abc')")), (V{"pass"}));
}

TEST_F(ResultPlan, ViewsResolveThroughTheirDefinitions) {
  EXPECT_EQ(plan({{kView, 1, kInt4}, {kView, 2, kText}, {kView, 3, kText}},
                 facts("SELECT * FROM people_v")),
            (V{"pass", "mask:redact", "mask:partial(last=4)"}));
  EXPECT_EQ(plan({{kViewOfView, 1, kText}}, facts("SELECT u FROM people_vv")),
            (V{"mask:redact"}));
  EXPECT_EQ(plan({{kNames, 2, kText}}, facts("SELECT name FROM names")), (V{"pass"}));
  // By name too, for computed columns over a view.
  EXPECT_EQ(plan({{0, 0, kText}}, facts("SELECT lower(s) FROM people_v")), (V{"mask:redact"}));
}

TEST_F(ResultPlan, StarsExpandWithTheCatalogForCopy) {
  EXPECT_EQ(plan({{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}, facts("COPY people TO STDOUT")),
            (V{"pass", "pass", "mask:partial(last=4)"}));
  EXPECT_EQ(plan({{0, 0, 0}, {0, 0, 0}}, facts("COPY (SELECT id, ssn || '' FROM people) TO STDOUT")),
            (V{"pass", "mask:redact"}));
}

TEST_F(ResultPlan, UnknownFailsClosed) {
  // A relation created since the snapshot: masked, and the catalog is to be read again.
  EXPECT_EQ(plan({{30000, 1, kText}}, facts("SELECT x FROM newer")), (V{"mask:redact"}));
  EXPECT_TRUE(stale_);
  // No statement known (a FETCH of a cursor gatehouse never saw): untraced columns are masked.
  EXPECT_EQ(plan({{0, 0, kText}, {kPeople, 2, kText}}, nullptr), (V{"mask:redact", "pass"}));
  // System catalogs hold no user data.
  EXPECT_EQ(plan({{1259, 2, 19}}, facts("SELECT relname FROM pg_class")), (V{"pass"}));
  // Lineage given up (NATURAL join under *): traced columns keep their masks, the rest redact.
  EXPECT_EQ(plan({{kPeople, 3, kText}, {0, 0, kText}},
                 facts("SELECT *, 'x' FROM people NATURAL JOIN people_v")),
            (V{"mask:partial(last=4)", "mask:redact"}));
}

TEST_F(ResultPlan, DetectorsScanWhatNoColumnRuleCovers) {
  auto set = DetectorSet::build(std::vector<std::string>{"email"});
  ASSERT_TRUE(set.ok());
  session_.detectors = std::make_shared<const DetectorSet>(std::move(set.value()));
  session_.detect_style = Style::redact();
  EXPECT_EQ(plan({{kPeople, 3, kText}, {kPeople, 2, kText}, {kPeople, 1, kInt4, ValueFormat::kBinary}},
                 facts("SELECT ssn, name, id FROM people")),
            (V{"mask:partial(last=4)", "detect", "pass"}));
}

}  // namespace
}  // namespace gh::masking
