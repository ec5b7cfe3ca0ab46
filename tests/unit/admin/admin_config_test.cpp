// The admin: section: listen, tls and roles, and its file:line problems.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace gh::config {
namespace {

constexpr const char* kPath = "/tmp/gh-admin-test.yaml";
constexpr const char* kConnections = "connections:\n  - {name: a, user: u}\n";

std::string problems_of(const std::string& text) {
  auto r = load_string(text, kPath, /*resolve_secrets=*/false);
  EXPECT_FALSE(r.ok()) << "config unexpectedly valid:\n" << text;
  return r.ok() ? std::string() : r.status().message();
}

std::string at(int line) { return std::string(kPath) + ":" + std::to_string(line) + ": "; }

TEST(AdminConfig, AbsentSectionMeansNoAdminServer) {
  auto r = load_string(kConnections, kPath, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->admin.has_value());
}

TEST(AdminConfig, FullExample) {
  auto r = load_string(std::string("admin:\n"
                                   "  listen: 127.0.0.1:8090\n"
                                   "  tls: {cert_file: admin.crt, key_file: admin.key}\n"
                                   "  roles:\n"
                                   "    admin: [platform]\n"
                                   "    approver: [dba, security]\n"
                                   "    auditor: compliance\n") +
                           kConnections,
                       kPath, /*resolve_secrets=*/false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->admin.has_value());
  const AdminConfig& a = *r->admin;
  EXPECT_EQ(a.listen, "127.0.0.1:8090");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 8090);
  ASSERT_TRUE(a.tls.has_value());
  EXPECT_EQ(a.tls->cert_file, "/tmp/admin.crt");  // relative to the config's folder
  EXPECT_EQ(a.tls->key_file, "/tmp/admin.key");
  EXPECT_EQ(a.roles.admin, std::vector<std::string>{"platform"});
  EXPECT_EQ(a.roles.approver, (std::vector<std::string>{"dba", "security"}));
  EXPECT_EQ(a.roles.auditor, std::vector<std::string>{"compliance"});
}

TEST(AdminConfig, MinimalAndIpv6) {
  auto r = load_string(std::string("admin: {listen: '[::1]:9000'}\n") + kConnections, kPath, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->admin->host, "::1");
  EXPECT_EQ(r->admin->port, 9000);
  EXPECT_FALSE(r->admin->tls.has_value());
  EXPECT_TRUE(r->admin->roles.admin.empty());
}

TEST(AdminConfig, ShapeProblems) {
  EXPECT_NE(problems_of(std::string("admin: 8090\n") + kConnections)
                .find(at(1) + "admin: expected a mapping with listen and roles"),
            std::string::npos);
  std::string p = problems_of(std::string("admin:\n"                // 1
                                          "  roles: {admin: ops}\n"  // 2
                                          "  port: 8090\n") +        // 3
                              kConnections);
  EXPECT_NE(p.find(at(1) + "admin: listen is required"), std::string::npos) << p;
  EXPECT_NE(p.find(at(3) + "unknown key 'port'"), std::string::npos) << p;
}

TEST(AdminConfig, ListenProblems) {
  std::string p = problems_of(std::string("admin:\n"                   // 1
                                          "  listen: localhost:8090\n") +  // 2
                              kConnections);
  EXPECT_NE(p.find(at(2) + "admin.listen: 'localhost' is not an IP address"), std::string::npos)
      << p;
  p = problems_of(std::string("admin:\n  listen: 8090\n") + kConnections);
  EXPECT_NE(p.find(at(2) + "admin.listen: expected host:port"), std::string::npos) << p;
  p = problems_of(std::string("admin:\n  listen: 127.0.0.1:70000\n") + kConnections);
  EXPECT_NE(p.find(at(2) + "admin.listen: expected host:port"), std::string::npos) << p;
  // Bearer tokens must not cross a network in clear.
  p = problems_of(std::string("admin:\n  listen: 0.0.0.0:8090\n") + kConnections);
  EXPECT_NE(p.find(at(2) + "admin.listen: '0.0.0.0' is not a loopback address, so admin.tls is "
                           "required"),
            std::string::npos)
      << p;
  // The proxy's own address.
  p = problems_of(std::string("listen: 127.0.0.1:6432\n"
                              "admin: {listen: 127.0.0.1:6432}\n") +  // 2
                  kConnections);
  EXPECT_NE(p.find(at(2) + "admin.listen: 127.0.0.1:6432 overlaps the proxy's listen address"),
            std::string::npos)
      << p;
}

TEST(AdminConfig, TlsProblems) {
  std::string p = problems_of(std::string("admin:\n"                        // 1
                                          "  listen: 127.0.0.1:8090\n"      // 2
                                          "  tls: {cert_file: a.crt}\n") +  // 3
                              kConnections);
  EXPECT_NE(p.find(at(3) + "admin.tls: key_file is required"), std::string::npos) << p;
  p = problems_of(std::string("admin:\n  listen: 127.0.0.1:8090\n  tls: yes\n") + kConnections);
  EXPECT_NE(p.find(at(3) + "admin.tls: expected a mapping with cert_file and key_file"),
            std::string::npos)
      << p;
  // With secrets resolved (serve), the files must be readable.
  auto r = load_string(std::string("admin:\n"
                                   "  listen: 127.0.0.1:8090\n"
                                   "  tls:\n"
                                   "    cert_file: /nonexistent/admin.crt\n"  // 4
                                   "    key_file: /nonexistent/admin.key\n") +
                           kConnections,
                       kPath, /*resolve_secrets=*/true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(at(4) + "admin.tls.cert_file: cannot read"),
            std::string::npos)
      << r.status().message();
}

TEST(AdminConfig, RoleProblems) {
  std::string p = problems_of(std::string("admin:\n"                     // 1
                                          "  listen: 127.0.0.1:8090\n"   // 2
                                          "  roles:\n"                   // 3
                                          "    admin: []\n"              // 4
                                          "    superuser: [root]\n"      // 5
                                          "    auditor: [a, {x: 1}]\n")  // 6
                              + kConnections);
  EXPECT_NE(p.find(at(4) + "admin.roles.admin: expected a string or a list of strings"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(5) + "unknown key 'superuser' in admin.roles"), std::string::npos) << p;
  EXPECT_NE(p.find(at(6) + "admin.roles.auditor: expected non-empty strings"), std::string::npos)
      << p;
  p = problems_of(std::string("admin:\n  listen: 127.0.0.1:8090\n  roles: [admin]\n") +
                  kConnections);
  EXPECT_NE(p.find(at(3) + "admin.roles: expected a mapping of role"), std::string::npos) << p;
}

}  // namespace
}  // namespace gh::config

namespace gh::config {
namespace {

TEST(ReviewConfig, GrantsAndTheReviewUrl) {
  auto r = load_string(std::string("admin: {listen: 127.0.0.1:8090}\n"
                                   "review:\n"
                                   "  max_grant: 2h\n"
                                   "  grant_approvers: [dba-leads]\n") +
                           kConnections,
                       kPath, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->review.max_grant, std::chrono::hours(2));
  EXPECT_EQ(r->review.grant_approvers, std::vector<std::string>{"dba-leads"});
  EXPECT_EQ(r->review.url_of("rv_1", r->admin), "http://127.0.0.1:8090/api/v1/reviews/rv_1");
  r = load_string(std::string("admin: {listen: 127.0.0.1:8090}\n"
                              "review: {url: \"https://console.example.test/r/{id}?from={id}\"}\n") +
                      kConnections,
                  kPath, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->review.url_of("rv_1", r->admin), "https://console.example.test/r/rv_1?from=rv_1");
  std::string p = problems_of(std::string("review:\n  url: https://console.example.test/\n"
                                          "  max_grant: 10s\n") +
                              kConnections);
  EXPECT_NE(p.find(at(2) + "review.url: expected an http:// or https:// URL containing {id}"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(at(3) + "review.max_grant"), std::string::npos) << p;
}

}  // namespace
}  // namespace gh::config
