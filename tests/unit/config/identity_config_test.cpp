// identity:, access: and per-role logins of connections.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "config/config.h"

namespace gh::config {
namespace {

constexpr const char* kPath = "/tmp/gh-identity-test.yaml";

std::string problems_of(const std::string& text) {
  auto r = load_string(text, kPath, /*resolve_secrets=*/false);
  EXPECT_FALSE(r.ok()) << "config unexpectedly valid:\n" << text;
  return r.ok() ? std::string() : r.status().message();
}

std::string at(int line) { return std::string(kPath) + ":" + std::to_string(line) + ": "; }

TEST(IdentityConfig, FullExample) {
  setenv("GH_TEST_ANALYST_PW", "analyst-secret", 1);
  auto r = load_string(
      "identity:\n"                                        // 1
      "  on_token_expiry: continue\n"                      // 2
      "  api_key_check_interval: 2s\n"                     // 3
      "  issuers:\n"                                       // 4
      "    - issuer: https://idp.example.com/realms/a\n"   // 5
      "      audience: [gatehouse, db]\n"                  // 6
      "      groups_claim: realm_access.roles\n"           // 7
      "      display_name_claims: client_id\n"             // 8
      "      jwks_max_age: 1h\n"                           // 9
      "      clock_skew: 30s\n"                            // 10
      "    - issuer: http://127.0.0.1:8080\n"              // 11
      "      audience: gatehouse\n"                        // 12
      "      jwks_uri: http://127.0.0.1:8080/jwks\n"       // 13
      "access:\n"                                          // 14
      "  - connection: analytics\n"                        // 15
      "    groups: [data-agents]\n"                        // 16
      "    role: analyst_ro\n"                             // 17
      "    max_session: 8h\n"                              // 18
      "  - connection: scratch\n"                          // 19
      "    principals: ci-job\n"                           // 20
      "    role: writer\n"                                 // 21
      "  - connection: analytics\n"                        // 22
      "    groups: admins\n"                               // 23
      "connections:\n"
      "  - name: analytics\n"
      "    user: gatehouse\n"
      "    roles:\n"
      "      analyst_ro: {user: analyst, password_env: GH_TEST_ANALYST_PW}\n"
      "  - name: scratch\n"
      "    user: admin\n"
      "    credentials: ephemeral\n"
      "    ephemeral_ttl: 2h\n",
      kPath, true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.identity.on_token_expiry, TokenExpiry::kContinue);
  EXPECT_EQ(c.identity.api_key_check_interval, std::chrono::seconds(2));
  ASSERT_EQ(c.identity.issuers.size(), 2u);
  const Issuer& a = c.identity.issuers[0];
  EXPECT_EQ(a.issuer, "https://idp.example.com/realms/a");
  EXPECT_EQ(a.audiences, (std::vector<std::string>{"gatehouse", "db"}));
  EXPECT_EQ(a.groups_claim, "realm_access.roles");
  EXPECT_EQ(a.display_name_claims, std::vector<std::string>{"client_id"});
  EXPECT_EQ(a.jwks_max_age, std::chrono::hours(1));
  EXPECT_EQ(a.clock_skew, std::chrono::seconds(30));
  EXPECT_EQ(a.where.line, 5);
  EXPECT_EQ(c.identity.issuers[1].jwks_uri, "http://127.0.0.1:8080/jwks");
  ASSERT_EQ(c.access.size(), 3u);
  EXPECT_EQ(c.access[0].groups, std::vector<std::string>{"data-agents"});
  EXPECT_EQ(c.access[0].max_session, std::chrono::hours(8));
  EXPECT_EQ(c.access[1].principals, std::vector<std::string>{"ci-job"});
  EXPECT_EQ(c.access[2].role, "");
  const Connection* an = c.find_connection("analytics");
  ASSERT_NE(an, nullptr);
  const BackendCredential* ro = an->static_login("analyst_ro");
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->user, "analyst");
  EXPECT_EQ(ro->password, "analyst-secret");
  EXPECT_EQ(an->static_login(""), &an->login);
  EXPECT_EQ(an->static_login("gatehouse"), &an->login);
  EXPECT_EQ(an->static_login("nobody"), nullptr);
  const Connection* sc = c.find_connection("scratch");
  EXPECT_EQ(sc->credentials, CredentialMode::kEphemeral);
  EXPECT_EQ(sc->ephemeral_ttl, std::chrono::hours(2));
  unsetenv("GH_TEST_ANALYST_PW");
}

TEST(IdentityConfig, Defaults) {
  auto r = load_string("connections:\n  - {name: a, user: u}\n", kPath, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->identity.issuers.empty());
  EXPECT_TRUE(r->access.empty());
  EXPECT_EQ(r->identity.on_token_expiry, TokenExpiry::kTerminate);
  EXPECT_EQ(r->connections[0].credentials, CredentialMode::kStatic);
}

TEST(IdentityConfig, IssuerProblems) {
  std::string p = problems_of(
      "identity:\n"                                  // 1
      "  issuers:\n"                                 // 2
      "    - issuer: http://idp.example.com\n"       // 3
      "      audience: gatehouse\n"                  // 4
      "    - issuer: ftp://x\n"                      // 5
      "    - issuer: https://a.example\n"            // 6
      "      audience: gh\n"                         // 7
      "      clock_skew: 2h\n"                       // 8
      "      groups_claim: 'a b'\n"                  // 9
      "      bogus: 1\n"                             // 10
      "    - issuer: https://a.example\n"            // 11
      "      audience: [gh]\n"                       // 12
      "  on_token_expiry: later\n"                   // 13
      "connections:\n  - {name: a, user: u}\n");
  EXPECT_NE(p.find(at(3) + "identity.issuers[0].issuer: plain http is allowed only for a "
                           "provider on this machine"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(5) + "identity.issuers[1].issuer: expected an https:// URL"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(5) + "identity.issuers[1]: audience is required"), std::string::npos) << p;
  EXPECT_NE(p.find(at(8) + "identity.issuers[2].clock_skew: must be at least 0s and at most 3600s"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(9) + "identity.issuers[2].groups_claim: expected a claim name"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(10) + "unknown key 'bogus'"), std::string::npos) << p;
  EXPECT_NE(p.find(at(11) + "identity.issuers[3].issuer: issuer 'https://a.example' is already "
                            "configured on line 6"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(13) + "identity.on_token_expiry"), std::string::npos) << p;
}

TEST(IdentityConfig, AccessRuleProblems) {
  std::string p = problems_of(
      "access:\n"                          // 1
      "  - connection: nowhere\n"          // 2
      "    groups: [g]\n"                  // 3
      "  - connection: app\n"              // 4
      "    groups: [g]\n"                  // 5
      "    role: missing_role\n"           // 6
      "  - connection: app\n"              // 7
      "  - connection: eph\n"              // 8
      "    principals: [p]\n"              // 9
      "  - groups: [g]\n"                  // 10
      "    max_session: 0s\n"              // 11
      "connections:\n"                     // 12
      "  - {name: app, user: u}\n"         // 13
      "  - {name: eph, user: admin, credentials: ephemeral}\n");  // 14
  // Problems with the rule's own keys come first; references are checked once all parse.
  EXPECT_NE(p.find(at(7) + "access[2]: set groups or principals"), std::string::npos) << p;
  EXPECT_NE(p.find(at(10) + "access[4]: connection is required"), std::string::npos) << p;
  EXPECT_NE(p.find(at(11) + "access[4].max_session: must be at least 1s"), std::string::npos)
      << p;
  // Reference checks run only on an otherwise valid config.
  std::string refs = problems_of(
      "access:\n"                          // 1
      "  - connection: nowhere\n"          // 2
      "    groups: [g]\n"                  // 3
      "  - connection: app\n"              // 4
      "    groups: [g]\n"                  // 5
      "    role: missing_role\n"           // 6
      "  - connection: eph\n"              // 7
      "    principals: [p]\n"              // 8
      "connections:\n"                     // 9
      "  - {name: app, user: u}\n"         // 10
      "  - {name: eph, user: admin, credentials: ephemeral}\n");
  EXPECT_NE(refs.find(at(2) + "access[0].connection: no connection named 'nowhere'"),
            std::string::npos)
      << refs;
  EXPECT_NE(refs.find(at(6) + "access[1].role: connection 'app' has no login for role "
                              "'missing_role' (add it under the connection's roles:)"),
            std::string::npos)
      << refs;
  EXPECT_NE(refs.find(at(7) + "access[2]: role is required: connection 'eph' creates each "
                              "session's login as a member of that role"),
            std::string::npos)
      << refs;
}

TEST(IdentityConfig, RoleLoginProblems) {
  std::string p = problems_of(
      "connections:\n"                                   // 1
      "  - name: app\n"                                  // 2
      "    user: u\n"                                    // 3
      "    roles:\n"                                     // 4
      "      ro: {password_env: 'not a name'}\n"         // 5
      "      rw: {user: w, password_env: A, password_file: /x}\n"  // 6
      "      'bad name': {user: b}\n"                    // 7
      "  - name: eph\n"                                  // 8
      "    user: admin\n"                                // 9
      "    credentials: ephemeral\n"                     // 10
      "    ephemeral_ttl: 10s\n"                         // 11
      "    roles: {x: {user: y}}\n");                    // 12
  EXPECT_NE(p.find(at(5) + "connections[0].roles.ro.password_env: expected the name of an "
                           "environment variable"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(6) + "connections[0].roles.rw: set at most one of password_env and "
                           "password_file"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(7) + "connections[0].roles: role names may contain only"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(10) + "connections[1]: roles: lists static logins"), std::string::npos)
      << p;
  EXPECT_NE(p.find(at(11) + "connections[1].ephemeral_ttl: must be at least 60s"),
            std::string::npos)
      << p;
}

TEST(IdentityConfig, RoleSecretsAreReadAndNeverEchoed) {
  setenv("GH_TEST_ROLE_PW", "role-secret-value", 1);
  auto ok = load_string(
      "connections:\n  - name: a\n    user: u\n    roles:\n      ro: {password_env: "
      "GH_TEST_ROLE_PW}\n",
      kPath, true);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->connections[0].static_login("ro")->user, "ro");  // user defaults to the role
  EXPECT_EQ(ok->connections[0].static_login("ro")->password, "role-secret-value");
  auto bad = load_string(
      "connections:\n  - name: a\n    user: u\n    roles:\n      ro: {password_env: "
      "GH_TEST_UNSET_VAR_X}\n",
      kPath, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(
                at(5) + "connections[0].roles.ro.password_env: environment variable "
                        "'GH_TEST_UNSET_VAR_X' is not set"),
            std::string::npos)
      << bad.status().message();
  unsetenv("GH_TEST_ROLE_PW");
}

}  // namespace
}  // namespace gh::config
