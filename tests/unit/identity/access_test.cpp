#include "identity/access.h"

#include <gtest/gtest.h>

namespace gh::identity {
namespace {

config::AccessRule rule(std::string conn, std::vector<std::string> groups,
                        std::vector<std::string> principals, std::string role, int line) {
  config::AccessRule r;
  r.connection = std::move(conn);
  r.groups = std::move(groups);
  r.principals = std::move(principals);
  r.role = std::move(role);
  r.where.line = line;
  return r;
}

Principal token(std::string sub, std::vector<std::string> groups, std::string name = "") {
  Principal p;
  p.kind = PrincipalKind::kToken;
  p.issuer = "https://idp.example";
  p.subject = std::move(sub);
  p.display_name = std::move(name);
  p.groups = std::move(groups);
  return p;
}

TEST(AccessRules, DenyByDefault) {
  EXPECT_EQ(find_access_rule({}, token("a", {"g"}), "analytics"), nullptr);
  std::vector<config::AccessRule> rules = {rule("analytics", {"data-agents"}, {}, "ro", 1)};
  EXPECT_EQ(find_access_rule(rules, token("a", {"other"}), "analytics"), nullptr);
  EXPECT_EQ(find_access_rule(rules, token("a", {}), "analytics"), nullptr);
  EXPECT_EQ(find_access_rule(rules, token("a", {"data-agents"}), "billing"), nullptr);
}

TEST(AccessRules, FirstMatchInFileOrderWins) {
  std::vector<config::AccessRule> rules = {
      rule("analytics", {"admins"}, {}, "rw", 1),
      rule("analytics", {"data-agents", "analysts"}, {}, "ro", 2),
      rule("analytics", {"analysts"}, {}, "other", 3),
      rule("billing", {}, {"ci-job"}, "", 4),
  };
  const config::AccessRule* r = find_access_rule(rules, token("a", {"x", "analysts"}), "analytics");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->where.line, 2);
  r = find_access_rule(rules, token("a", {"analysts", "admins"}), "analytics");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->where.line, 1);
}

TEST(AccessRules, PrincipalsMatchTheSubjectOnly) {
  std::vector<config::AccessRule> rules = {rule("billing", {}, {"ci-job"}, "", 1)};
  Principal key;
  key.kind = PrincipalKind::kApiKey;
  key.subject = "ci-job";
  key.display_name = "platform-team";
  EXPECT_NE(find_access_rule(rules, key, "billing"), nullptr);
  // A display name (an email, a client_id) is not an identifier a rule can trust.
  EXPECT_EQ(find_access_rule(rules, token("4f1c", {}, "ci-job"), "billing"), nullptr);
  EXPECT_NE(find_access_rule(rules, token("ci-job", {}), "billing"), nullptr);
  // Case matters: groups and subjects are identifiers.
  EXPECT_EQ(find_access_rule(rules, token("CI-JOB", {}), "billing"), nullptr);
}

TEST(AccessRules, DeniedMessageNamesPrincipalAndConnectionOnly) {
  EXPECT_EQ(access_denied_message(token("4f1c", {"g"}, "alice@example.com"), "analytics"),
            "no access rule lets principal \"alice@example.com (sub 4f1c)\" use connection "
            "\"analytics\"");
  Principal key;
  key.kind = PrincipalKind::kApiKey;
  key.subject = "ci-job";
  key.display_name = "ci-job";
  EXPECT_EQ(access_denied_message(key, "billing"),
            "no access rule lets API key \"ci-job\" use connection \"billing\"");
}

}  // namespace
}  // namespace gh::identity
