// DataRow rewriting: pass-through without copies, masked columns with correct lengths,
// NULLs, empty values, binary format, detector columns, counters, and malformed bodies
// (every truncation of a valid body, bad lengths, trailing bytes) refused without output.

#include <gtest/gtest.h>

#include "masking/row_rewriter.h"
#include "masking_test_util.h"

namespace gh::masking {
namespace {

using testing::data_row_body;
using testing::parse_data_row_message;
using testing::Row;

ColumnMask mask(Style s, ValueFormat f = ValueFormat::kText, bool text_type = true) {
  return {ColumnAction::kMask, s, f, text_type};
}
ColumnMask detect(Style s = Style::redact()) {
  return {ColumnAction::kDetect, s, ValueFormat::kText, true};
}
ColumnMask pass() { return {}; }

const Row kRow = {"42", "Alice", "alice@example.com", "123-45-6789", std::nullopt, "active"};

// Rewrites `row`; the resulting row, or the input row when unchanged.
Row rewrite(RowRewriter& rw, const Row& row, RewriteOutcome expect) {
  const std::string body = data_row_body(row);
  std::string out;
  auto r = rw.rewrite(body, out);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return {};
  EXPECT_EQ(*r, expect);
  if (*r == RewriteOutcome::kUnchanged) {
    EXPECT_TRUE(out.empty());
    return row;
  }
  return parse_data_row_message(out);
}

TEST(RowRewriter, NoPlanPassesRowsUnchanged) {
  RowRewriter rw{MaskPlan{}};
  std::string out = "untouched";
  const std::string body = data_row_body(kRow);
  auto r = rw.rewrite(body, out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, RewriteOutcome::kUnchanged);
  EXPECT_EQ(out, "untouched");
  EXPECT_EQ(rw.counts().total(), 0u);
}

TEST(RowRewriter, PlanOfPassColumnsIsUnchanged) {
  MaskPlan plan;
  plan.columns.assign(6, pass());
  RowRewriter rw(std::move(plan));
  EXPECT_EQ(rewrite(rw, kRow, RewriteOutcome::kUnchanged), kRow);
}

TEST(RowRewriter, MasksTwoOfSixColumns) {
  auto key = testing::test_key();
  MaskPlan plan;
  plan.columns = {pass(), pass(), mask(Style::hash()), mask(Style::partial_last(4)),
                  pass(), pass()};
  plan.hash_key = key.get();
  RowRewriter rw(std::move(plan));
  std::string token;
  apply_style(Style::hash(), "alice@example.com", key.get(), token);
  const Row expect = {"42", "Alice", token, "*******6789", std::nullopt, "active"};
  EXPECT_EQ(rewrite(rw, kRow, RewriteOutcome::kRewritten), expect);
  EXPECT_EQ(rw.counts().per_column(), (std::vector<uint64_t>{0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(rewrite(rw, kRow, RewriteOutcome::kRewritten), expect);
  EXPECT_EQ(rw.counts().total(), 4u);
  rw.counts().reset();
  EXPECT_EQ(rw.counts().total(), 0u);
}

TEST(RowRewriter, AppendsAfterWhatTheBufferHolds) {
  MaskPlan plan;
  plan.columns = {mask(Style::redact())};
  RowRewriter rw(std::move(plan));
  std::string out = "earlier";
  const std::string body = data_row_body({"secret"});
  ASSERT_EQ(*rw.rewrite(body, out), RewriteOutcome::kRewritten);
  ASSERT_EQ(out.substr(0, 7), "earlier");
  EXPECT_EQ(parse_data_row_message(std::string_view(out).substr(7)), (Row{"****"}));
}

TEST(RowRewriter, NullsStayNullAndAreNotCounted) {
  MaskPlan plan;
  plan.columns = {mask(Style::redact()), mask(Style::hash())};
  RowRewriter rw(std::move(plan));
  const Row nulls = {std::nullopt, std::nullopt};
  EXPECT_EQ(rewrite(rw, nulls, RewriteOutcome::kUnchanged), nulls);
  EXPECT_EQ(rw.counts().total(), 0u);
}

TEST(RowRewriter, EmptyValuesAreMasked) {
  MaskPlan plan;
  plan.columns = {mask(Style::redact()), mask(Style::partial_first(2)), mask(Style::hash())};
  RowRewriter rw(std::move(plan));  // no key: hash redacts
  EXPECT_EQ(rewrite(rw, {"", "", ""}, RewriteOutcome::kRewritten), (Row{"****", "", "****"}));
  EXPECT_EQ(rw.counts().total(), 3u);
}

TEST(RowRewriter, NullStyleWritesMinusOne) {
  MaskPlan plan;
  plan.columns = {pass(), mask(Style::null()), pass()};
  RowRewriter rw(std::move(plan));
  EXPECT_EQ(rewrite(rw, {"a", "secret", "c"}, RewriteOutcome::kRewritten),
            (Row{"a", std::nullopt, "c"}));
}

TEST(RowRewriter, BinaryNonTextValuesBecomeNull) {
  MaskPlan plan;
  plan.columns = {mask(Style::partial_last(4), ValueFormat::kBinary, false),
                  mask(Style::partial_last(2), ValueFormat::kBinary, true),
                  mask(Style::redact(), ValueFormat::kText, false)};
  RowRewriter rw(std::move(plan));
  const std::string int8(std::string("\x00\x00\x00\x00\x07\x5b\xcd\x15", 8));
  EXPECT_EQ(rewrite(rw, {int8, "text", "123456789"}, RewriteOutcome::kRewritten),
            (Row{std::nullopt, "**xt", "****"}));
}

TEST(RowRewriter, DetectorColumns) {
  auto set = DetectorSet::build(std::vector<std::string>{"us_ssn", "email"});
  ASSERT_TRUE(set.ok());
  MaskPlan plan;
  plan.columns = {
      pass(), detect(), {ColumnAction::kDetect, Style::redact(), ValueFormat::kBinary, false}};
  plan.detectors = &*set;
  RowRewriter rw(std::move(plan));
  EXPECT_EQ(rewrite(rw, {"1", "nothing here", "x"}, RewriteOutcome::kUnchanged),
            (Row{"1", "nothing here", "x"}));
  EXPECT_EQ(rewrite(rw, {"1", "ssn 123-45-6789 ok", "123-45-6789"}, RewriteOutcome::kRewritten),
            (Row{"1", "ssn **** ok", "123-45-6789"}));  // binary non-text: not scanned
  EXPECT_EQ(rw.counts().per_column(), (std::vector<uint64_t>{0, 1, 0}));
}

TEST(RowRewriter, DetectColumnWithoutDetectorsMasksWholeValue) {
  MaskPlan plan;
  plan.columns = {detect()};
  RowRewriter rw(std::move(plan));
  EXPECT_EQ(rewrite(rw, {"harmless"}, RewriteOutcome::kRewritten), (Row{"****"}));
}

TEST(RowRewriter, LargeValues) {
  MaskPlan plan;
  plan.columns = {mask(Style::partial_last(4)), pass()};
  RowRewriter rw(std::move(plan));
  const std::string big(1 << 20, 'x');
  const Row got = rewrite(rw, {big + "1234", big}, RewriteOutcome::kRewritten);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(*got[0], std::string(1 << 20, '*') + "1234");
  EXPECT_EQ(*got[1], big);
}

TEST(RowRewriter, ColumnCountMustMatchThePlan) {
  MaskPlan plan;
  plan.columns = {mask(Style::redact()), pass()};
  RowRewriter rw(std::move(plan));
  std::string out = "x";
  auto r = rw.rewrite(data_row_body({"a", "b", "c"}), out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "DataRow has 3 columns, the result 2");
  EXPECT_EQ(out, "x");
}

std::string error_for(std::string_view body, bool with_plan = true) {
  MaskPlan plan;
  if (with_plan) plan.columns = {mask(Style::redact()), pass()};
  RowRewriter rw(std::move(plan));
  std::string out = "before";
  auto r = rw.rewrite(body, out);
  EXPECT_EQ(out, "before");
  EXPECT_EQ(rw.counts().total(), 0u);
  return r.ok() ? "" : r.status().message();
}

TEST(RowRewriter, MalformedBodies) {
  using testing::put_be;
  EXPECT_EQ(error_for(""), "DataRow shorter than its column count");
  EXPECT_EQ(error_for(std::string("\xff\xff", 2)), "DataRow with a negative column count");
  std::string b;
  put_be(b, 2, 2);
  put_be(b, 0xFFFFFFFEu, 4);  // -2
  EXPECT_EQ(error_for(b), "DataRow column length below -1");
  b.clear();
  put_be(b, 2, 2);
  put_be(b, 0x80000000u, 4);  // INT32_MIN
  EXPECT_EQ(error_for(b), "DataRow column length below -1");
  b.clear();
  put_be(b, 2, 2);
  put_be(b, 100, 4);
  b += "short";
  EXPECT_EQ(error_for(b), "DataRow column value runs past the end of the message");
  b.clear();
  put_be(b, 2, 2);
  put_be(b, 0x7FFFFFFFu, 4);
  EXPECT_EQ(error_for(b), "DataRow column value runs past the end of the message");
  EXPECT_EQ(error_for(data_row_body({"a", "b"}) + "z"), "DataRow has bytes after its last column");
  EXPECT_EQ(error_for(data_row_body({"a", "b"}) + "z", false),
            "DataRow has bytes after its last column");
  EXPECT_EQ(error_for(data_row_body({"a"}) + std::string(4, '\0')),
            "DataRow has 1 columns, the result 2");
}

TEST(RowRewriter, EveryTruncationIsRefused) {
  const std::string body = data_row_body({"secret value", std::nullopt});
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_NE(error_for(body.substr(0, n)), "") << n;
    EXPECT_NE(error_for(body.substr(0, n), false), "") << n;
  }
  MaskPlan plan;
  plan.columns = {mask(Style::redact()), pass()};
  RowRewriter rw(std::move(plan));
  EXPECT_EQ(rewrite(rw, {"secret value", std::nullopt}, RewriteOutcome::kRewritten),
            (Row{"****", std::nullopt}));
}

TEST(CheckDataRow, CountsColumns) {
  EXPECT_EQ(*check_data_row(data_row_body({"a", std::nullopt, ""})), 3);
  EXPECT_EQ(*check_data_row(data_row_body({})), 0);
  EXPECT_FALSE(check_data_row(std::string_view("\x00", 1)).ok());
}

}  // namespace
}  // namespace gh::masking
