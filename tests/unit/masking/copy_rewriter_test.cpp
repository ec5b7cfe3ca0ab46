// COPY TO STDOUT rows in text and CSV format: fields, NULLs, escapes and quoting on the way
// in and out, headers, several rows per payload, and payloads that end inside a row.

#include <gtest/gtest.h>

#include "masking/copy_rewriter.h"
#include "masking_test_util.h"

namespace gh::masking {
namespace {

ColumnMask mask(Style s) { return {ColumnAction::kMask, s, ValueFormat::kText, true}; }
ColumnMask pass() { return {}; }

MaskPlan plan_of(std::vector<ColumnMask> cols) {
  MaskPlan p;
  p.columns = std::move(cols);
  return p;
}

// The rewritten payload; the input when unchanged; "error: ..." on error.
std::string run(CopyRewriter& rw, std::string_view payload) {
  std::string out;
  auto r = rw.rewrite(payload, out);
  if (!r.ok()) {
    EXPECT_TRUE(out.empty());
    return "error: " + r.status().message();
  }
  if (*r == RewriteOutcome::kUnchanged) {
    EXPECT_TRUE(out.empty());
    return std::string(payload);
  }
  EXPECT_GE(out.size(), 5u);
  EXPECT_EQ(out[0], 'd');
  EXPECT_EQ(testing::get_be(out, 1, 4), out.size() - 1);
  return out.substr(5);
}

TEST(CopyText, MasksChosenColumns) {
  CopyRewriter rw(plan_of({pass(), mask(Style::redact()), mask(Style::partial_last(4))}),
                  CopyFormat::text());
  EXPECT_EQ(run(rw, "1\talice@example.com\t123-45-6789\n"), "1\t****\t*******6789\n");
  EXPECT_EQ(run(rw, "1\ta\tb\n2\tc\t\\N\n"), "1\t****\t*\n2\t****\t\\N\n");
  EXPECT_EQ(rw.counts().per_column(), (std::vector<uint64_t>{0, 3, 2}));
}

TEST(CopyText, NothingToMaskIsUnchanged) {
  CopyRewriter rw(plan_of({pass(), mask(Style::redact())}), CopyFormat::text());
  const std::string payload = "1\t\\N\n";
  std::string out = "keep";
  ASSERT_EQ(*rw.rewrite(payload, out), RewriteOutcome::kUnchanged);
  EXPECT_EQ(out, "keep");
  CopyRewriter none(MaskPlan{}, CopyFormat::text());
  EXPECT_EQ(run(none, "anything\tat all\n"), "anything\tat all\n");
}

TEST(CopyText, EscapesAreDecodedThenReEncoded) {
  CopyRewriter rw(plan_of({mask(Style::partial_first(4))}), CopyFormat::text());
  // Value "a\tb\\c\nd..." (tab, backslash, newline): first four characters kept, escaped again.
  EXPECT_EQ(run(rw, "a\\tb\\\\cdefghij\n"), "a\\tb\\\\********\n");
  // Octal and hex escapes decode to one character each.
  EXPECT_EQ(run(rw, "\\101\\x42CDEFGHI\n"), "ABCD*****\n");
  // A masked value equal to the null marker's text is escaped, so it is not read as NULL.
  CopyRewriter keep(plan_of({mask(Style::partial_first(2))}), CopyFormat::text());
  EXPECT_EQ(run(keep, "\\\\N\\\\N\n"), "\\\\N**\n");
}

TEST(CopyText, NullStyleWritesTheNullMarker) {
  CopyRewriter rw(plan_of({mask(Style::null()), pass()}), CopyFormat::text());
  EXPECT_EQ(run(rw, "secret\tx\n"), "\\N\tx\n");
}

TEST(CopyText, CustomDelimiterAndNull) {
  CopyFormat f = CopyFormat::text();
  f.delimiter = '|';
  f.null_string = "NULL";
  CopyRewriter rw(plan_of({mask(Style::partial_first(2)), pass()}), f);
  EXPECT_EQ(run(rw, "a\\|bcd|NULL\n"), "a\\|***|NULL\n");
  EXPECT_EQ(run(rw, "NULL|x\n"), "NULL|x\n");
}

TEST(CopyText, MalformedPayloads) {
  CopyRewriter rw(plan_of({pass(), mask(Style::redact())}), CopyFormat::text());
  EXPECT_EQ(run(rw, "1\tsecret"), "error: CopyData ends inside a row");
  EXPECT_EQ(run(rw, "1\tsecret\\"), "error: CopyData ends inside an escape");
  EXPECT_EQ(run(rw, "1\tsecret\textra\n"), "error: COPY row has 3 fields, the result 2 columns");
  EXPECT_EQ(run(rw, "1\n"), "error: COPY row has 1 fields, the result 2 columns");
  EXPECT_EQ(run(rw, "1\ta\n2\tb"), "error: CopyData ends inside a row");
  EXPECT_EQ(rw.counts().total(), 0u);
  EXPECT_EQ(run(rw, ""), "");
}

TEST(CopyText, EveryTruncationIsRefusedOrWhole) {
  const std::string payload = "1\tsecret \\t value\n2\t\\N\n";
  for (size_t n = 1; n < payload.size(); ++n) {
    CopyRewriter rw(plan_of({pass(), mask(Style::redact())}), CopyFormat::text());
    const std::string got = run(rw, payload.substr(0, n));
    const bool whole_rows = payload[n - 1] == '\n';
    EXPECT_EQ(got.rfind("error: ", 0) == 0, !whole_rows) << n << ": " << got;
    EXPECT_EQ(got.find("secret"), std::string::npos) << n;
  }
}

TEST(CopyCsv, QuotingNullsAndEscapes) {
  CopyRewriter rw(plan_of({pass(), mask(Style::partial_first(3)), pass()}), CopyFormat::csv());
  EXPECT_EQ(run(rw, "1,alice,x\n"), "1,al***,x\n");
  // Quoted value with a delimiter, a doubled quote and a newline inside.
  EXPECT_EQ(run(rw, "1,\"a,\"\"b\nxyz\",x\n"), "1,\"a,\"\"*****\",x\n");
  // Unquoted empty is NULL (left alone); quoted empty is an empty string.
  EXPECT_EQ(run(rw, "1,,x\n"), "1,,x\n");
  EXPECT_EQ(run(rw, "1,\"\",x\n"), "1,\"\",x\n");
  EXPECT_EQ(rw.counts().per_column(), (std::vector<uint64_t>{0, 3, 0}));
}

TEST(CopyCsv, MaskedValuesAreQuotedWhenNeeded) {
  CopyRewriter rw(plan_of({mask(Style::partial_first(2))}), CopyFormat::csv());
  EXPECT_EQ(run(rw, "\"a,bc\"\n"), "\"a,**\"\n");
  CopyRewriter empty(plan_of({mask(Style::partial_first(3))}), CopyFormat::csv());
  EXPECT_EQ(run(empty, "\"\"\n"), "\"\"\n");  // still an empty string, not NULL
  CopyRewriter null(plan_of({mask(Style::null()), pass()}), CopyFormat::csv());
  EXPECT_EQ(run(null, "\"secret\",x\n"), ",x\n");
}

TEST(CopyCsv, CustomDelimiterQuoteAndEscape) {
  CopyFormat f = CopyFormat::csv();
  f.delimiter = ';';
  f.escape = '\\';
  f.null_string = "\\N";
  CopyRewriter rw(plan_of({mask(Style::partial_first(3)), pass()}), f);
  EXPECT_EQ(run(rw, "\"a\\\"b;cd\";x\n"), "\"a\\\"b***\";x\n");
  EXPECT_EQ(run(rw, "\\N;x\n"), "\\N;x\n");
  EXPECT_EQ(run(rw, "\"\\N\";x\n"), "\"\\\\*\";x\n");  // quoted: a value, too short to show
}

TEST(CopyCsv, HeaderRowIsPassed) {
  CopyFormat f = CopyFormat::csv();
  f.header = true;
  CopyRewriter rw(plan_of({pass(), mask(Style::redact())}), f);
  EXPECT_EQ(run(rw, "id,email\n"), "id,email\n");
  EXPECT_EQ(run(rw, "1,a@b.com\n"), "1,****\n");
  CopyRewriter both(plan_of({pass(), mask(Style::redact())}), f);
  EXPECT_EQ(run(both, "id,email\n1,a@b.com\n"), "id,email\n1,****\n");
}

TEST(CopyCsv, MalformedPayloads) {
  CopyRewriter rw(plan_of({mask(Style::redact())}), CopyFormat::csv());
  EXPECT_EQ(run(rw, "\"open quote\n"), "error: CopyData ends inside a row");
  EXPECT_EQ(run(rw, "a,b\n"), "error: COPY row has 2 fields, the result 1 columns");
  // Text after a closing quote continues the field, as PostgreSQL reads it.
  EXPECT_EQ(run(rw, "\"ab\"cd\n"), "****\n");
}

}  // namespace
}  // namespace gh::masking
