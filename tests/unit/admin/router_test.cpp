// The admin router without sockets: routing, authentication, roles, and the JSON it answers.

#include "admin/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>

#include "config/config.h"
#include "policy/load.h"

namespace gh::admin {
namespace {

using Json = nlohmann::json;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gh-admin-router-" + std::to_string(std::random_device{}()));
    auto s = store::open_sqlite_store(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s.value());
    auditor_key_ = key("audit-bot", {"compliance"});
    dev_key_ = key("dev-bot", {"developers"});
    admin_key_ = key("root-bot", {"platform"});
    auth_ = std::make_unique<BearerAuthenticator>(*store_, nullptr);
    RouterDeps deps;
    deps.roles.admin = {"platform"};
    deps.roles.approver = {"dba"};
    deps.roles.auditor = {"compliance"};
    deps.auth = auth_.get();
    deps.store = store_.get();
    deps.readiness = [this] { return not_ready_; };
    deps.policy = [this] { return policy_; };
    deps.metrics.gateway = &gateway_counters_;
    router_ = std::make_unique<Router>(std::move(deps));
  }
  void TearDown() override {
    router_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string key(const std::string& name, std::vector<std::string> groups) {
    auto k = store_->create_api_key({name, name, std::move(groups), std::nullopt});
    EXPECT_TRUE(k.ok()) << k.status().message();
    return k.ok() ? k->secret : std::string();
  }
  HttpResponse get(const std::string& path, const std::string& token = "",
                   std::vector<std::pair<std::string, std::string>> params = {},
                   const std::string& method = "GET") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.params = std::move(params);
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    return router_->handle(r);
  }
  static Json body(const HttpResponse& r) { return Json::parse(r.body); }
  static void expect_error(const HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    Json j = body(r);
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  }
  void index_session(const std::string& id, int64_t started_s, const std::string& principal) {
    store::SessionIndexEntry e;
    e.session_id = id;
    e.principal = principal;
    e.principal_kind = "api_key";
    e.groups = "developers,readers";
    e.connection = "app";
    e.client = "127.0.0.1:5555";
    e.user = "psql";
    e.started_ns = started_s * 1'000'000'000;
    ASSERT_TRUE(store_->index_session_start(e).ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<BearerAuthenticator> auth_;
  std::unique_ptr<Router> router_;
  pg::GatewayCounters gateway_counters_;
  std::string not_ready_;
  PolicyInForce policy_;
  std::string auditor_key_, dev_key_, admin_key_;
};

// Every /api/ request is an admin.request record: who (or nobody), what, from where, the
// answer; never the token. Health, readiness and metrics are not recorded.
TEST_F(RouterTest, ApiRequestsAreRecorded) {
  std::vector<std::string> records;
  bool writable = true;
  RouterDeps deps;
  deps.roles.auditor = {"compliance"};
  deps.auth = auth_.get();
  deps.store = store_.get();
  deps.readiness = [this] { return not_ready_; };
  deps.record_request = [&](std::string payload) {
    if (writable) records.push_back(std::move(payload));
    return writable;
  };
  Router router(std::move(deps));
  auto call = [&](const std::string& method, const std::string& path, const std::string& token,
                  std::vector<std::pair<std::string, std::string>> params = {}) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.params = std::move(params);
    r.client = "127.0.0.1:40000";
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    return router.handle(r);
  };

  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  EXPECT_TRUE(records.empty());
  EXPECT_EQ(call("GET", "/api/v1/sessions", auditor_key_, {{"limit", "5"}}).status, 200);
  ASSERT_EQ(records.size(), 1u);
  Json rec = Json::parse(records[0]);
  EXPECT_EQ(rec["principal"], "audit-bot");
  EXPECT_EQ(rec["principal_kind"], "api_key");
  EXPECT_EQ(rec["groups"], Json::array({"compliance"}));
  EXPECT_EQ(rec["method"], "GET");
  EXPECT_EQ(rec["path"], "/api/v1/sessions");
  EXPECT_EQ(rec["query"], Json::parse(R"({"limit":"5"})"));
  EXPECT_EQ(rec["client"], "127.0.0.1:40000");
  EXPECT_EQ(rec["status"], 200);

  // Refused callers are recorded too, without their token.
  const std::string bogus = "ghk_" + std::string(43, 'Q');
  EXPECT_EQ(call("GET", "/api/v1/sessions", bogus).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/sessions", dev_key_).status, 403);
  ASSERT_EQ(records.size(), 3u);
  rec = Json::parse(records[1]);
  EXPECT_TRUE(rec["principal"].is_null());
  EXPECT_EQ(rec["status"], 401);
  EXPECT_EQ(records[1].find(bogus), std::string::npos);
  EXPECT_EQ(Json::parse(records[2])["principal"], "dev-bot");
  EXPECT_EQ(Json::parse(records[2])["status"], 403);
  for (const std::string& r : records) {
    EXPECT_EQ(r.find(auditor_key_), std::string::npos);
    EXPECT_EQ(r.find(dev_key_), std::string::npos);
  }

  // A read whose record cannot be written is not answered.
  writable = false;
  HttpResponse r = call("GET", "/api/v1/sessions", auditor_key_);
  expect_error(r, 503, "audit_unavailable");
  writable = true;

  // A change is not taken while the audit streams cannot be written.
  not_ready_ = "audit stream 0 cannot be written: disk full";
  r = call("POST", "/api/v1/reviews/rv_00000000000000000000/deny", auditor_key_);
  expect_error(r, 503, "audit_unavailable");
  EXPECT_NE(body(r)["error"]["message"].get<std::string>().find("disk full"), std::string::npos);
  EXPECT_EQ(Json::parse(records.back())["status"], 503);
  not_ready_.clear();
}

TEST_F(RouterTest, HealthzNeedsNoToken) {
  HttpResponse r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), Json::parse(R"({"status":"ok"})"));
}

TEST_F(RouterTest, ReadyzReportsWhyNot) {
  EXPECT_EQ(get("/readyz").status, 200);
  not_ready_ = "audit stream 0 cannot be written: disk full";
  HttpResponse r = get("/readyz");
  expect_error(r, 503, "not_ready");
  EXPECT_EQ(body(r)["error"]["message"], not_ready_);
}

TEST_F(RouterTest, MetricsAreTextWithoutToken) {
  gateway_counters_.sessions_total = 3;
  HttpResponse r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("\ngatehouse_sessions_total 3\n"), std::string::npos) << r.body;
  // The router's own counters are there too: this is the second request it answered.
  get("/api/v1/sessions");  // a 401
  r = get("/metrics");
  EXPECT_NE(r.body.find("gatehouse_admin_refusals_total{reason=\"unauthenticated\"} 1\n"),
            std::string::npos)
      << r.body;
}

TEST_F(RouterTest, ApiNeedsABearerToken) {
  HttpResponse r = get("/api/v1/sessions");
  expect_error(r, 401, "unauthenticated");
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"WWW-Authenticate", "Bearer"}));

  const std::string bogus = "ghk_" + std::string(43, 'Z');
  for (const std::string& header :
       {std::string("Basic dXNlcjpwdw=="), std::string("Bearer"), std::string("Bearer   "),
        "Bearer " + bogus, "Bearer " + bogus + " extra", std::string("Bearer a\"b")}) {
    HttpRequest req{"GET", "/api/v1/sessions", {}, {{"Authorization", header}}, {}};
    r = router_->handle(req);
    expect_error(r, 401, "unauthenticated");
    EXPECT_EQ(r.body.find(bogus), std::string::npos) << "the token is echoed: " << r.body;
  }
  r = get("/api/v1/sessions", bogus);
  EXPECT_EQ(body(r)["error"]["message"], "unknown API key");
  // Unknown /api/ paths are authenticated first: no token learns nothing about them.
  expect_error(get("/api/v1/nothing-here"), 401, "unauthenticated");
}

TEST_F(RouterTest, RevokedKeyIsRefused) {
  ASSERT_TRUE(store_->revoke_api_key("audit-bot", std::time(nullptr)).ok());
  HttpResponse r = get("/api/v1/sessions", auditor_key_);
  expect_error(r, 401, "unauthenticated");
  EXPECT_NE(body(r)["error"]["message"].get<std::string>().find("revoked"), std::string::npos);
}

TEST_F(RouterTest, RolesComeFromGroups) {
  HttpResponse r = get("/api/v1/sessions", dev_key_);
  expect_error(r, 403, "forbidden");
  EXPECT_NE(body(r)["error"]["message"].get<std::string>().find("admin or auditor"),
            std::string::npos)
      << r.body;
  expect_error(get("/api/v1/policy", dev_key_), 403, "forbidden");
  EXPECT_EQ(get("/api/v1/sessions", auditor_key_).status, 200);
  EXPECT_EQ(get("/api/v1/sessions", admin_key_).status, 200);
  EXPECT_EQ(get("/api/v1/policy", auditor_key_).status, 200);
}

TEST_F(RouterTest, RoleMapping) {
  config::AdminRoles roles{{"platform"}, {"dba", "sec"}, {"compliance"}};
  EXPECT_TRUE(roles_of({"x", "sec"}, roles).has(Role::kApprover));
  EXPECT_FALSE(roles_of({"x", "sec"}, roles).has(Role::kAdmin));
  EXPECT_TRUE(roles_of({}, roles).empty());
  RoleSet both = roles_of({"platform", "compliance"}, roles);
  EXPECT_EQ(both.names(), "admin or auditor");
}

TEST_F(RouterTest, UnknownPathAndWrongMethod) {
  expect_error(get("/nope"), 404, "not_found");
  expect_error(get("/api/v1/nope", auditor_key_), 404, "not_found");
  expect_error(get("/api/v1/sessions/", auditor_key_), 404, "not_found");
  expect_error(get("/api/v1/sessions/a/b", auditor_key_), 404, "not_found");
  HttpResponse r = get("/healthz", "", {}, "POST");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(r.headers.at(0), (std::pair<std::string, std::string>{"Allow", "GET"}));
  expect_error(get("/api/v1/sessions", auditor_key_, {}, "DELETE"), 405, "method_not_allowed");
  // Method checks come after authentication on /api/.
  expect_error(get("/api/v1/sessions", "", {}, "DELETE"), 401, "unauthenticated");
}

TEST_F(RouterTest, ListsSessionsNewestFirst) {
  index_session("s-old", 1'700'000'000, "dev-bot");
  index_session("s-new", 1'700'000'100, "dev-bot");
  ASSERT_TRUE(store_->index_session_end("s-old", int64_t{1'700'000'050} * 1'000'000'000,
                                        "client closed", 7)
                  .ok());
  HttpResponse r = get("/api/v1/sessions", auditor_key_);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = body(r);
  ASSERT_EQ(j["sessions"].size(), 2u);
  EXPECT_EQ(j["limit"], 100);
  EXPECT_EQ(j["sessions"][0]["id"], "s-new");
  EXPECT_TRUE(j["sessions"][0]["ended"].is_null());
  const Json& old = j["sessions"][1];
  EXPECT_EQ(old["id"], "s-old");
  EXPECT_EQ(old["started"], "2023-11-14T22:13:20.000000000Z");
  EXPECT_EQ(old["ended"], "2023-11-14T22:14:10.000000000Z");
  EXPECT_EQ(old["end_reason"], "client closed");
  EXPECT_EQ(old["statements"], 7);
  EXPECT_EQ(old["groups"], Json::parse(R"(["developers","readers"])"));

  j = body(get("/api/v1/sessions", auditor_key_, {{"limit", "1"}}));
  ASSERT_EQ(j["sessions"].size(), 1u);
  EXPECT_EQ(j["sessions"][0]["id"], "s-new");

  r = get("/api/v1/sessions/s-old", auditor_key_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["principal"], "dev-bot");
}

TEST_F(RouterTest, BadSessionQueriesGetClearErrors) {
  for (const char* limit : {"0", "-1", "1001", "ten", "", "5x", "99999999999999999999999"}) {
    HttpResponse r = get("/api/v1/sessions", auditor_key_, {{"limit", limit}});
    expect_error(r, 400, "invalid_argument");
    EXPECT_NE(r.body.find("limit: expected a number of sessions from 1 to 1000"),
              std::string::npos)
        << r.body;
  }
  HttpResponse r = get("/api/v1/sessions", auditor_key_, {{"since", "1h"}});
  expect_error(r, 400, "invalid_argument");
  EXPECT_NE(r.body.find("unknown query parameter 'since'"), std::string::npos);
  expect_error(get("/api/v1/sessions/no-such", auditor_key_), 404, "not_found");
  expect_error(get("/api/v1/sessions/bad%20id", auditor_key_), 404, "not_found");
  expect_error(get(std::string("/api/v1/sessions/\xff\xfe"), auditor_key_), 404, "not_found");
}

TEST_F(RouterTest, PolicyShowsRulesAndConfigHash) {
  EXPECT_EQ(body(get("/api/v1/policy", auditor_key_))["rules"], Json::array());
  auto cfg = config::load_string(
      "connections:\n  - {name: a, user: u}\n"
      "guardrails:\n"
      "  rules:\n"
      "    - name: no-payroll\n"  // line 5
      "      action: block\n"
      "      match: {relations: [payroll]}\n"
      "    - name: delete-review\n"
      "      action: review\n"
      "      approvers: [dba]\n"
      "      match: {statement: delete}\n",
      "/tmp/gh-admin-policy.yaml", false);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  auto p = policy::load_policy(*cfg);
  ASSERT_TRUE(p.ok()) << p.status().message();
  policy_ = {p.value(), cfg->config_hash};
  HttpResponse r = get("/api/v1/policy", admin_key_);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = body(r);
  EXPECT_EQ(j["config_hash"], cfg->config_hash);
  EXPECT_EQ(j["config_hash"].get<std::string>().size(), 64u);
  ASSERT_EQ(j["rules"].size(), 2u) << r.body;
  EXPECT_EQ(j["rules"][0]["name"], "no-payroll");
  EXPECT_EQ(j["rules"][0]["action"], "block");
  EXPECT_EQ(j["rules"][0]["mode"], "enforce");
  EXPECT_EQ(j["rules"][0]["source"], "/tmp/gh-admin-policy.yaml:5");
  EXPECT_EQ(j["rules"][1]["action"], "review");
  EXPECT_EQ(j["rules"][1]["approvers"], Json::parse(R"(["dba"])"));
  EXPECT_FALSE(j["sources"].empty());
}

}  // namespace
}  // namespace gh::admin

namespace gh::admin {
namespace {

TEST_F(RouterTest, EvidenceNeedsAnAuditorAPeriodAndABuilder) {
  const std::vector<std::pair<std::string, std::string>> period = {{"since", "7d"}, {"until", "0h"}};
  expect_error(get("/api/v1/evidence", auditor_key_, period), 503, "unavailable");
  expect_error(get("/api/v1/evidence", dev_key_, period), 403, "forbidden");
  expect_error(get("/api/v1/evidence", auditor_key_, period, "POST"), 405, "method_not_allowed");
}

}  // namespace
}  // namespace gh::admin
