// Column rules resolved against a catalog snapshot: by (table OID, attnum) for RowDescription
// columns, by name for lineage sources; the first matching rule wins; rules that do not apply to
// the session are left out by the caller.

#include "masking/catalog.h"

#include <gtest/gtest.h>

namespace gh::masking {
namespace {

std::vector<CatalogColumn> sample() {
  return {
      {16384, 1, "public", "customers", "id", 23, 'r'},
      {16384, 2, "public", "customers", "name", 25, 'r'},
      {16384, 3, "public", "customers", "ssn", 25, 'r'},
      {16384, 4, "public", "customers", "email", 25, 'r'},
      {16390, 1, "crm", "contacts", "Email", 25, 'r'},
      {16400, 1, "public", "items", "id", 23, 'r'},
      {16410, 1, "public", "big_customers", "id", 23, 'v'},
  };
}

MaskRule column_rule(std::string name, std::vector<std::string> patterns, Style style) {
  MaskRule r;
  r.name = std::move(name);
  r.style = style;
  for (const std::string& text : patterns) {
    std::string why;
    size_t a = text.find('.'), b = text.rfind('.');
    auto s = Glob::compile(a == b ? "*" : text.substr(0, a), why);
    auto t = Glob::compile(a == b ? text.substr(0, a) : text.substr(a + 1, b - a - 1), why);
    auto c = Glob::compile(text.substr(b + 1), why);
    r.columns.push_back(ColumnPattern{*s, *t, *c, text});
  }
  return r;
}

TEST(MaskCatalog, ResolvesPatternsToTableOidsAndColumnNumbers) {
  MaskRule ssn = column_rule("ssn", {"public.customers.ssn"}, Style::partial_last(4));
  MaskRule email = column_rule("email", {"*.email"}, Style::redact());
  MaskCatalog cat = MaskCatalog::build(sample(), {&ssn, &email});
  EXPECT_EQ(cat.masked_columns(), 3u);
  EXPECT_EQ(cat.rule_for(16384, 3), &ssn);
  EXPECT_EQ(cat.rule_for(16384, 4), &email);
  EXPECT_EQ(cat.rule_for(16390, 1), &email);  // patterns ignore ASCII case ("Email")
  EXPECT_EQ(cat.rule_for(16384, 2), nullptr);
  EXPECT_TRUE(cat.has_masked_columns(16384));
  EXPECT_FALSE(cat.has_masked_columns(16400));
  EXPECT_TRUE(cat.knows(16400));
  EXPECT_FALSE(cat.knows(99999));  // created after the snapshot
}

TEST(MaskCatalog, FindsLineageSourcesByName) {
  MaskRule ssn = column_rule("ssn", {"public.customers.ssn"}, Style::redact());
  MaskCatalog cat = MaskCatalog::build(sample(), {&ssn});
  EXPECT_EQ(cat.rule_for("public", "customers", "ssn"), &ssn);
  EXPECT_EQ(cat.rule_for("", "customers", "ssn"), &ssn);  // unqualified: any schema's
  EXPECT_EQ(cat.rule_for("other", "customers", "ssn"), nullptr);
  EXPECT_EQ(cat.rule_for("", "customers", "name"), nullptr);
  EXPECT_TRUE(cat.has_masked_columns("", "customers"));
  EXPECT_TRUE(cat.has_masked_columns("public", "customers"));
  EXPECT_FALSE(cat.has_masked_columns("", "items"));
}

TEST(MaskCatalog, FirstMatchingRuleWinsAndDetectorRulesAreNotColumnRules) {
  MaskRule first = column_rule("first", {"customers.*"}, Style::hash());
  MaskRule second = column_rule("second", {"public.customers.ssn"}, Style::null());
  MaskRule detect;
  detect.name = "detect";
  MaskCatalog cat = MaskCatalog::build(sample(), {&detect, &first, &second});
  EXPECT_EQ(cat.rule_for(16384, 3), &first);
  EXPECT_EQ(cat.masked_columns(), 4u);
}

}  // namespace
}  // namespace gh::masking
