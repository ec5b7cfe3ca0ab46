#include "credentials/role_name.h"

#include <gtest/gtest.h>

namespace gh::credentials {
namespace {

TEST(RoleName, JoinsPrefixInstanceAndSession) {
  auto n = ephemeral_role_name("a1b2c3", "0123456789abcdef");
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, "gh_a1b2c3_0123456789abcdef");
}

TEST(RoleName, LongestInstanceIdFillsExactly63Bytes) {
  std::string inst(kMaxInstanceIdLength, 'f');
  auto n = ephemeral_role_name(inst, "0123456789abcdef");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->size(), 63u);
  EXPECT_FALSE(ephemeral_role_name(inst + "f", "0123456789abcdef").ok());
}

TEST(RoleName, RefusesIdsThatAreNotLowercaseHex) {
  for (const char* bad : {"", "A1", "g1", "a-1", "a_1", "a b", "\"x\"", "a1;"}) {
    auto n = ephemeral_role_name(bad, "0123456789abcdef");
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.status().code(), Status::Code::kInvalid);
    EXPECT_NE(n.status().message().find("instance id"), std::string::npos);
  }
  for (const char* bad : {"", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF",
                          "0123456789abcdeg", "0123456789abcde'"}) {
    auto n = ephemeral_role_name("ab", bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_NE(n.status().message().find("session id"), std::string::npos);
  }
}

TEST(RoleName, EveryNameIsAValidUnquotedIdentifier) {
  auto n = ephemeral_role_name("0", "ffffffffffffffff");
  ASSERT_TRUE(n.ok());
  // Unquoted PG identifier: starts with a letter or '_', then lowercase letters, digits, '_'.
  ASSERT_TRUE((*n)[0] >= 'a' && (*n)[0] <= 'z');
  for (char c : *n) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << c;
  }
}

TEST(RoleName, ParseRoundTrips) {
  auto p = parse_ephemeral_role_name("gh_a1b2c3_0123456789abcdef");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->instance_id, "a1b2c3");
  EXPECT_EQ(p->session_id, "0123456789abcdef");
}

TEST(RoleName, ParseRejectsOperatorRolesThatOnlyLookAlike) {
  for (const char* other :
       {"gh_admin", "gh_readonly", "gh__0123456789abcdef", "gh_ab0123456789abcdef",
        "gh_ab_0123456789abcde", "gh_ab_0123456789abcdef0", "gh_AB_0123456789abcdef",
        "gh_ab-0123456789abcdef", "xgh_ab_0123456789abcdef", "GH_ab_0123456789abcdef",
        "gh_ab_cd_0123456789abcdef", "postgres", ""}) {
    EXPECT_FALSE(parse_ephemeral_role_name(other)) << other;
  }
}

}  // namespace
}  // namespace gh::credentials
