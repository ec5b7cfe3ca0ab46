// Name patterns: globs, case, and what a schema in a pattern means for names written with and
// without one.

#include <gtest/gtest.h>

#include "policy/name_pattern.h"

namespace gh::policy {
namespace {

sql::QualifiedName name(std::string schema, std::string n) {
  return {"", std::move(schema), std::move(n)};
}

Glob glob(std::string_view text) {
  std::string why;
  auto g = Glob::compile(text, why);
  EXPECT_TRUE(g.has_value()) << text << ": " << why;
  return g.value_or(*Glob::compile("x", why));
}

NamePattern pattern(std::string_view text) {
  std::string why;
  auto p = NamePattern::compile(text, why);
  EXPECT_TRUE(p.has_value()) << text << ": " << why;
  std::string unused;
  return p ? std::move(*p) : *NamePattern::compile("x", unused);
}

const std::vector<std::string> kPublic = {"public"};

TEST(Glob, Shapes) {
  EXPECT_TRUE(glob("pg_read_file").matches("pg_read_file"));
  EXPECT_FALSE(glob("pg_read_file").matches("pg_read_file2"));
  EXPECT_TRUE(glob("lo_*").matches("lo_export"));
  EXPECT_TRUE(glob("lo_*").matches("lo_"));
  EXPECT_FALSE(glob("lo_*").matches("lower"));
  EXPECT_TRUE(glob("*_to_xml").matches("query_to_xml"));
  EXPECT_FALSE(glob("*_to_xml").matches("query_to_xmlschema"));
  EXPECT_TRUE(glob("*").matches(""));
  EXPECT_TRUE(glob("pg_*_replication_slot").matches("pg_create_logical_replication_slot"));
  EXPECT_FALSE(glob("pg_*_replication_slot").matches("pg_replication_slot_advance"));
  EXPECT_TRUE(glob("a?c").matches("abc"));
  EXPECT_FALSE(glob("a?c").matches("ac"));
  EXPECT_TRUE(glob("*a*b*").matches("xxaxxbxx"));
  EXPECT_FALSE(glob("*a*b*").matches("xxbxxaxx"));
}

TEST(Glob, IgnoresAsciiCase) {
  EXPECT_TRUE(glob("pg_read_file").matches("PG_READ_FILE"));
  EXPECT_TRUE(glob("PG_Read_*").matches("pg_read_binary_file"));
  EXPECT_TRUE(glob("*FILE").matches("pg_read_file"));
}

TEST(Glob, Problems) {
  std::string why;
  EXPECT_FALSE(Glob::compile("", why));
  EXPECT_EQ(why, "an empty name part");
  EXPECT_FALSE(Glob::compile("a b", why));
  EXPECT_FALSE(Glob::compile("[ab]", why));
  EXPECT_FALSE(Glob::compile("{a,b}", why));
}

TEST(NamePattern, AnUnqualifiedPatternMatchesAnySchema) {
  NamePattern p = pattern("pg_read_file");
  EXPECT_TRUE(p.is_plain_name());
  EXPECT_TRUE(p.matches(name("", "pg_read_file"), kPublic));
  EXPECT_TRUE(p.matches(name("pg_catalog", "pg_read_file"), kPublic));
  EXPECT_TRUE(p.matches(name("public", "pg_read_file"), kPublic));
  EXPECT_TRUE(p.matches({"db", "pg_catalog", "pg_read_file"}, kPublic));
}

TEST(NamePattern, AQualifiedPatternAndUnqualifiedNames) {
  NamePattern billing = pattern("billing.*");
  EXPECT_FALSE(billing.is_plain_name());
  EXPECT_TRUE(billing.matches(name("billing", "invoices"), kPublic));
  EXPECT_TRUE(billing.matches(name("Billing", "invoices"), kPublic));
  EXPECT_FALSE(billing.matches(name("public", "invoices"), kPublic));
  // Unqualified: assumed to be in pg_catalog or the policy's search path.
  EXPECT_FALSE(billing.matches(name("", "invoices"), kPublic));
  const std::vector<std::string> with_billing = {"billing", "public"};
  EXPECT_TRUE(billing.matches(name("", "invoices"), with_billing));

  NamePattern settings = pattern("pg_catalog.pg_settings");
  EXPECT_TRUE(settings.matches(name("", "pg_settings"), kPublic));
  EXPECT_TRUE(settings.matches(name("pg_catalog", "pg_settings"), kPublic));
  EXPECT_FALSE(settings.matches(name("public", "pg_settings"), kPublic));
  EXPECT_TRUE(pattern("public.orders").matches(name("", "orders"), kPublic));
}

TEST(NamePattern, ThreeParts) {
  NamePattern p = pattern("prod.billing.invoices");
  EXPECT_TRUE(p.matches({"prod", "billing", "invoices"}, kPublic));
  EXPECT_FALSE(p.matches({"test", "billing", "invoices"}, kPublic));
  EXPECT_TRUE(p.matches(name("billing", "invoices"), kPublic));  // the catalog was not written
}

TEST(NamePattern, Problems) {
  std::string why;
  EXPECT_FALSE(NamePattern::compile("a..b", why));
  EXPECT_FALSE(NamePattern::compile(".a", why));
  EXPECT_FALSE(NamePattern::compile("a.", why));
  EXPECT_FALSE(NamePattern::compile("a.b.c.d", why));
}

TEST(NameSet, PlainNamesAndPatterns) {
  NameSet set;
  for (const char* p : {"pg_read_file", "set_config", "lo_*", "aws_s3.*", "dblink*"})
    set.add(pattern(p));
  EXPECT_EQ(set.size(), 5u);
  EXPECT_TRUE(set.matches(name("", "set_config"), kPublic));
  EXPECT_TRUE(set.matches(name("pg_catalog", "SET_CONFIG"), kPublic));
  EXPECT_TRUE(set.matches(name("", "lo_import"), kPublic));
  EXPECT_TRUE(set.matches(name("aws_s3", "query_export_to_s3"), kPublic));
  EXPECT_FALSE(set.matches(name("", "query_export_to_s3"), kPublic));
  EXPECT_FALSE(set.matches(name("", "lower"), kPublic));
  EXPECT_FALSE(set.matches(name("", "pg_read_file_x"), kPublic));
  EXPECT_TRUE(set.matches_any({name("", "count"), name("", "dblink_exec")}, kPublic));
  EXPECT_FALSE(set.matches_any({}, kPublic));
}

TEST(WordSet, DotsAreOrdinaryCharacters) {
  WordSet set;
  set.add(glob("app.*"));
  set.add(glob("search_path"));
  EXPECT_TRUE(set.matches("app.tenant_id"));
  EXPECT_TRUE(set.matches("SEARCH_PATH"));
  EXPECT_FALSE(set.matches("application_name"));
}

}  // namespace
}  // namespace gh::policy
