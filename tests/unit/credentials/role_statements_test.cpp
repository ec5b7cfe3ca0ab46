#include "credentials/role_statements.h"

#include <gtest/gtest.h>

namespace gh::credentials {
namespace {

TEST(CreateRoleSql, QuotesEveryNameAndLiteral) {
  auto sql =
      create_role_sql("gh_ab_0123456789abcdef",
                      "SCRAM-SHA-256$4096:c2FsdA==$k1=:k2=", "2024-05-01T12:34:56+00", "app_ro");
  ASSERT_TRUE(sql.ok()) << sql.status().message();
  EXPECT_EQ(*sql,
            "CREATE ROLE \"gh_ab_0123456789abcdef\" LOGIN PASSWORD "
            "'SCRAM-SHA-256$4096:c2FsdA==$k1=:k2=' VALID UNTIL '2024-05-01T12:34:56+00' "
            "IN ROLE \"app_ro\"");
}

TEST(CreateRoleSql, MappedRoleFromConfigCannotInject) {
  auto sql =
      create_role_sql("gh_ab_0123456789abcdef", "v", "t", "app\"; ALTER ROLE admin SUPERUSER; --");
  ASSERT_TRUE(sql.ok());
  EXPECT_TRUE(sql->ends_with("IN ROLE \"app\"\"; ALTER ROLE admin SUPERUSER; --\"")) << *sql;
}

TEST(CreateRoleSql, RefusesMappedRolesTheServerWouldTruncate) {
  auto sql = create_role_sql("gh_ab_0123456789abcdef", "v", "t", std::string(64, 'r'));
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.status().message(), "mapped role: role name is longer than 63 bytes");
  EXPECT_EQ(create_role_sql("gh_ab_0123456789abcdef", "v", "t", "").status().message(),
            "mapped role: empty role name");
}

TEST(EndRoleSql, ReassignsThenDropsInOneBatch) {
  EXPECT_EQ(*end_role_sql("gh_ab_0123456789abcdef", "App RO"),
            "REASSIGN OWNED BY \"gh_ab_0123456789abcdef\" TO \"App RO\"; "
            "DROP OWNED BY \"gh_ab_0123456789abcdef\"; DROP ROLE \"gh_ab_0123456789abcdef\"");
}

TEST(EndRoleSql, UnknownMappedRoleKeepsObjectsWithTheAdmin) {
  EXPECT_EQ(*end_role_sql("gh_ab_0123456789abcdef", ""),
            "REASSIGN OWNED BY \"gh_ab_0123456789abcdef\" TO CURRENT_USER; "
            "DROP OWNED BY \"gh_ab_0123456789abcdef\"; DROP ROLE \"gh_ab_0123456789abcdef\"");
}

TEST(GrantRoleToAdminSql, QuotesTheRole) {
  EXPECT_EQ(*grant_role_to_admin_sql("gh_ab_0123456789abcdef"),
            "GRANT \"gh_ab_0123456789abcdef\" TO CURRENT_USER");
}

TEST(SweepQuery, MatchesTheGatehousePrefixLiterally) {
  // '_' is a LIKE wildcard: it must be escaped, or "ghx..." roles would be candidates too.
  EXPECT_STREQ(kSweepCandidatesQuery,
               "SELECT rolname, rolvaliduntil FROM pg_roles WHERE rolname LIKE 'gh\\_%' "
               "ESCAPE '\\'");
}

}  // namespace
}  // namespace gh::credentials
