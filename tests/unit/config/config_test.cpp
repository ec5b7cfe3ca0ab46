#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/crypto.h"

namespace gh::config {
namespace {

namespace fs = std::filesystem;

// A minimal valid connection list, appended to configs that test something else.
constexpr const char* kOneConnection =
    "connections:\n"
    "  - name: app\n"
    "    user: app_rw\n";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gh_config_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "gatehouse.yaml").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    unsetenv("GH_TEST_PG_PASSWORD");
  }

  std::string write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  Result<Config> load(const std::string& text, bool resolve_secrets = true) {
    return load_string(text, path_, resolve_secrets);
  }

  // The problems of a config that must fail, one `file:line: problem` per element.
  std::vector<std::string> problems(const std::string& text, bool resolve_secrets = true) {
    auto r = load(text, resolve_secrets);
    EXPECT_FALSE(r.ok()) << "config unexpectedly valid:\n" << text;
    if (r.ok()) return {};
    EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
    std::vector<std::string> out;
    std::string msg = r.status().message();
    size_t start = 0;
    while (start <= msg.size()) {
      size_t nl = msg.find('\n', start);
      if (nl == std::string::npos) nl = msg.size();
      out.push_back(msg.substr(start, nl - start));
      start = nl + 1;
    }
    return out;
  }

  // The single problem of a config with exactly one.
  std::string problem(const std::string& text) {
    auto p = problems(text);
    EXPECT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
    return p.empty() ? "" : p[0];
  }

  std::string at(int line) const { return path_ + ":" + std::to_string(line) + ": "; }

  fs::path dir_;
  std::string path_;
};

TEST_F(ConfigTest, ValidFullConfig) {
  write("server.crt", "cert");
  write("server.key", "key");
  write("ca.pem", "ca");
  write("pg.pass", "from-file\n");
  setenv("GH_TEST_PG_PASSWORD", "from-env", 1);
  std::string text =
      "listen: 0.0.0.0:7432\n"
      "workers: 4\n"
      "data_dir: state\n"
      "log_level: debug\n"
      "tls:\n"
      "  cert_file: server.crt\n"
      "  key_file: server.key\n"
      "  require: true\n"
      "limits:\n"
      "  startup_timeout: 3s\n"
      "  idle_timeout: 8h\n"
      "  max_message_size: 16MB\n"
      "  max_connections: 500\n"
      "connections:\n"
      "  - name: app\n"
      "    host: db.internal\n"
      "    port: 5433\n"
      "    database: appdb\n"
      "    user: app_rw\n"
      "    password_env: GH_TEST_PG_PASSWORD\n"
      "    tls:\n"
      "      mode: verify-full\n"
      "      ca_file: ca.pem\n"
      "    connect_timeout: 500ms\n"
      "  - name: reports.v2\n"
      "    user: reader\n"
      "    password_file: pg.pass\n"
      "    tls: {mode: require}\n"
      "  - name: local\n"
      "    user: trust_user\n";
  auto r = load(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = r.value();
  EXPECT_EQ(c.path, path_);
  EXPECT_EQ(c.config_hash, crypto::to_hex(crypto::sha256(text)));
  EXPECT_EQ(c.listen, "0.0.0.0:7432");
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 7432);
  EXPECT_EQ(c.workers, 4);
  EXPECT_EQ(c.data_dir, (dir_ / "state").string());
  EXPECT_EQ(c.log_level, "debug");
  ASSERT_TRUE(c.tls.has_value());
  EXPECT_EQ(c.tls->cert_file, (dir_ / "server.crt").string());
  EXPECT_EQ(c.tls->key_file, (dir_ / "server.key").string());
  EXPECT_TRUE(c.tls->require);
  EXPECT_EQ(c.limits.startup_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::hours(8));
  EXPECT_EQ(c.limits.max_message_size, 16u << 20);
  EXPECT_EQ(c.limits.max_connections, 500u);
  ASSERT_EQ(c.connections.size(), 3u);

  const Connection& app = c.connections[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.host, "db.internal");
  EXPECT_EQ(app.port, 5433);
  EXPECT_EQ(app.database, "appdb");
  EXPECT_EQ(app.login.user, "app_rw");
  EXPECT_EQ(app.login.password_env, "GH_TEST_PG_PASSWORD");
  EXPECT_EQ(app.login.password, "from-env");
  EXPECT_EQ(app.tls.mode, BackendTlsMode::kVerifyFull);
  EXPECT_EQ(app.tls.ca_file, (dir_ / "ca.pem").string());
  EXPECT_EQ(app.connect_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(app.where.file, path_);
  EXPECT_EQ(app.where.line, 15);

  const Connection& rep = c.connections[1];
  EXPECT_EQ(rep.database, "reports.v2");
  EXPECT_EQ(rep.login.password_file, (dir_ / "pg.pass").string());
  EXPECT_EQ(rep.login.password, "from-file");
  EXPECT_EQ(rep.tls.mode, BackendTlsMode::kRequire);
  EXPECT_EQ(rep.where.line, 25);

  EXPECT_EQ(c.connections[2].login.password, "");
  EXPECT_EQ(c.find_connection("local"), &c.connections[2]);
  EXPECT_EQ(c.find_connection("nope"), nullptr);
}

TEST_F(ConfigTest, Defaults) {
  auto r = load(kOneConnection);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = r.value();
  EXPECT_EQ(c.listen, "127.0.0.1:6432");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 6432);
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.data_dir, (dir_ / "var").string());
  EXPECT_EQ(c.log_level, "info");
  EXPECT_FALSE(c.tls.has_value());
  EXPECT_EQ(c.limits.startup_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(c.limits.max_message_size, 64u << 20);
  EXPECT_EQ(c.limits.max_connections, 10000u);
  ASSERT_EQ(c.connections.size(), 1u);
  const Connection& app = c.connections[0];
  EXPECT_EQ(app.host, "127.0.0.1");
  EXPECT_EQ(app.port, 5432);
  EXPECT_EQ(app.database, "app");
  EXPECT_EQ(app.login.password, "");
  EXPECT_EQ(app.tls.mode, BackendTlsMode::kDisable);
  EXPECT_EQ(app.connect_timeout, std::chrono::seconds(5));
}

TEST_F(ConfigTest, ListenForms) {
  auto r = load(std::string("listen: \"[::1]:7000\"\n") + kOneConnection);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->listen_host, "::1");
  EXPECT_EQ(r->listen_port, 7000);

  r = load(std::string("listen: 0.0.0.0:65535\n") + kOneConnection);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->listen_host, "0.0.0.0");
  EXPECT_EQ(r->listen_port, 65535);

  const std::string kExpected = "listen: expected host:port (such as 127.0.0.1:6432 or [::1]:6432)";
  for (const char* bad : {"6432", "localhost", ":6432", "host:0", "host:65536", "host:port",
                          "::1:6432", "\"[::1]6432\"", "\"[::1]:\"", "{host: x}", "[a, b]", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(problem(std::string(kOneConnection) + "listen: " + bad + "\n"), at(4) + kExpected);
  }
}

TEST_F(ConfigTest, AbsoluteDataDirIsKept) {
  auto r = load(std::string("data_dir: /var/lib/gatehouse/\n") + kOneConnection);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->data_dir, "/var/lib/gatehouse/");
}

TEST_F(ConfigTest, BadScalars) {
  std::string c = kOneConnection;
  EXPECT_EQ(problem(c + "workers: -1\n"),
            at(4) + "workers: expected an integer from 0 (one per core) to 1024");
  EXPECT_EQ(problem(c + "workers: four\n"),
            at(4) + "workers: expected an integer from 0 (one per core) to 1024");
  EXPECT_EQ(problem(c + "workers: 2.5\n"),
            at(4) + "workers: expected an integer from 0 (one per core) to 1024");
  EXPECT_EQ(problem(c + "log_level: verbose\n"),
            at(4) + "log_level: expected one of trace|debug|info|warn|error, got 'verbose'");
  EXPECT_EQ(problem(c + "log_level: [info]\n"),
            at(4) + "log_level: expected one of trace|debug|info|warn|error");
  EXPECT_EQ(problem(c + "data_dir: ''\n"), at(4) + "data_dir: must not be empty");
  EXPECT_EQ(problem(c + "data_dir: {a: b}\n"), at(4) + "data_dir: expected a string");
}

TEST_F(ConfigTest, UnknownAndDuplicateKeys) {
  std::string c = kOneConnection;
  EXPECT_EQ(problem(c + "foo: 1\n"), at(4) + "unknown key 'foo' in config");
  EXPECT_EQ(problem(c + "worker: 1\n"),
            at(4) + "unknown key 'worker' in config (did you mean 'workers'?)");
  EXPECT_EQ(problem("connections:\n"
                    "  - name: app\n"
                    "    user: u\n"
                    "    foo: bar\n"),
            at(4) + "unknown key 'foo' in connection");
  EXPECT_EQ(problem("connections:\n"
                    "  - name: app\n"
                    "    user: u\n"
                    "    prot: 5432\n"),
            at(4) + "unknown key 'prot' in connection (did you mean 'port'?)");
  EXPECT_EQ(problem(c + "limits:\n  idle: 1s\n"), at(5) + "unknown key 'idle' in limits");
  EXPECT_EQ(problem(c + "workers: 1\nworkers: 2\n"),
            at(5) + "duplicate key 'workers' in config (first set on line 4)");
  EXPECT_EQ(problem(c + "[a]: 1\n"), at(4) + "expected a string key in config");
}

TEST_F(ConfigTest, InlinePasswordIsRefusedWithoutEchoingIt) {
  std::string msg = problem(
      "connections:\n"
      "  - name: app\n"
      "    user: u\n"
      "    password: hunter2\n");
  EXPECT_EQ(msg, at(4) +
                     "unknown key 'password' in connection; a password is never written in the "
                     "config, use password_env or password_file");
  EXPECT_EQ(msg.find("hunter2"), std::string::npos);
}

TEST_F(ConfigTest, ClientTlsProblems) {
  write("server.crt", "cert");
  std::string c = kOneConnection;
  EXPECT_EQ(problem(c + "tls:\n  cert_file: server.crt\n"), at(4) + "tls: key_file is required");
  EXPECT_EQ(problems(c + "tls:\n  require: true\n"),
            (std::vector<std::string>{at(4) + "tls: cert_file is required",
                                      at(4) + "tls: key_file is required"}));
  EXPECT_EQ(problems(c + "tls:\n"), (std::vector<std::string>{at(4) + "tls: expected a mapping"}));
  EXPECT_EQ(
      problem(c + "tls:\n  cert_file: server.crt\n  key_file: missing.key\n"),
      at(6) + "tls.key_file: cannot read '" + (dir_ / "missing.key").string() + "': no such file");
  EXPECT_EQ(problem(c + "tls:\n  cert_file: server.crt\n  key_file: .\n"),
            at(6) + "tls.key_file: cannot read '" + dir_.string() + "/': is a directory");
  write("server.key", "key");
  EXPECT_EQ(problem(c + "tls:\n  cert_file: server.crt\n  key_file: server.key\n  require: 2\n"),
            at(7) + "tls.require: expected true or false");
  EXPECT_EQ(problem(c + "tls: on\n"), at(4) + "tls: expected a mapping");
  // Tools that do not serve (keys) need not read the server's key files.
  EXPECT_TRUE(load(c + "tls:\n  cert_file: server.crt\n  key_file: missing.key\n", false).ok());
}

TEST_F(ConfigTest, UnreadableFileIsReported) {
  write("server.crt", "cert");
  std::string key = write("server.key", "key");
  std::string why = "Permission denied";
  if (geteuid() == 0) {
    // Root reads every file: make the key path a directory instead.
    unlink(key.c_str());
    mkdir(key.c_str(), 0700);
    why = "is a directory";
  } else {
    chmod(key.c_str(), 0);
  }
  EXPECT_EQ(problem(std::string(kOneConnection) +
                    "tls:\n  cert_file: server.crt\n  key_file: server.key\n"),
            at(6) + "tls.key_file: cannot read '" + key + "': " + why);
}

TEST_F(ConfigTest, LimitsProblems) {
  std::string c = std::string(kOneConnection) + "limits:\n";
  const std::string kDuration = "expected a duration such as 500ms, 10s, 5m, 8h or 30d (or 0)";
  for (const char* bad : {"10", "10 s", "5x", "-1s", "1.5s", "s", "[1s]"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(problem(c + "  idle_timeout: " + bad + "\n"),
              at(5) + "limits.idle_timeout: " + kDuration);
  }
  EXPECT_EQ(problem(c + "  startup_timeout: 99999999999999999999d\n"),
            at(5) + "limits.startup_timeout: " + kDuration);
  for (const char* good : {"0", "0s", "500ms", "10s", "5m", "8h", "30d"}) {
    SCOPED_TRACE(good);
    EXPECT_TRUE(load(c + "  idle_timeout: " + good + "\n").ok());
  }
  auto r = load(c + "  idle_timeout: 30d\n  max_message_size: 1048576\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->limits.idle_timeout, std::chrono::hours(24 * 30));
  EXPECT_EQ(r->limits.max_message_size, 1u << 20);
  EXPECT_EQ(load(c + "  max_message_size: 1KB\n")->limits.max_message_size, 1024u);
  EXPECT_EQ(load(c + "  max_message_size: 1GB\n")->limits.max_message_size, 1u << 30);

  EXPECT_EQ(problem(c + "  max_message_size: 1023\n"),
            at(5) + "limits.max_message_size: must be between 1KB and 1GB");
  EXPECT_EQ(problem(c + "  max_message_size: 2GB\n"),
            at(5) + "limits.max_message_size: must be between 1KB and 1GB");
  EXPECT_EQ(problem(c + "  max_message_size: 64XB\n"),
            at(5) + "limits.max_message_size: expected a size such as 1048576, 1KB, 64MB or 1GB");
  EXPECT_EQ(problem(c + "  max_connections: 0\n"),
            at(5) + "limits.max_connections: expected a positive integer");
  EXPECT_EQ(problem(std::string(kOneConnection) + "limits: 5\n"),
            at(4) + "limits: expected a mapping");
}

TEST_F(ConfigTest, ConnectionListProblems) {
  EXPECT_EQ(problem("workers: 1\n"), at(1) + "connections: at least one connection is required");
  EXPECT_EQ(problem("workers: 1\nconnections: []\n"),
            at(2) + "connections: at least one connection is required");
  EXPECT_EQ(problem("connections:\n  app: {user: u}\n"),
            at(1) + "connections: expected a list of connections");
  EXPECT_EQ(problem("connections:\n  - app\n"),
            at(2) + "connections[0]: expected a mapping with name, host, port, user, ...");
  EXPECT_EQ(problem(""), at(1) + "the config is empty; at least one connection is required");
  EXPECT_EQ(problem("# only a comment\n"),
            at(1) + "the config is empty; at least one connection is required");
  EXPECT_EQ(problem("- a\n- b\n"), at(1) + "expected a mapping of settings at the top level");
}

TEST_F(ConfigTest, ConnectionProblems) {
  EXPECT_EQ(problem("connections:\n  - user: u\n"), at(2) + "connections[0]: name is required");
  EXPECT_EQ(problem("connections:\n  - name: app\n    host: h\n"),
            at(2) + "connections[0]: user is required");
  EXPECT_EQ(problem("connections:\n"
                    "  - name: app\n"
                    "    user: u\n"
                    "  - name: app\n"
                    "    user: v\n"),
            at(4) + "connections[1].name: connection name 'app' is already used on line 2");
  EXPECT_EQ(problem("connections:\n  - name: my app\n    user: u\n"),
            at(2) + "connections[0].name: may contain only letters, digits, '_', '.' and '-'");
  EXPECT_EQ(problem("connections:\n  - name: ''\n    user: u\n"),
            at(2) + "connections[0].name: must not be empty");
  for (const char* bad : {"0", "65536", "abc", "-5", "[1]"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(problem(std::string(kOneConnection) + "    port: " + bad + "\n"),
              at(4) + "connections[0].port: expected a port number 1-65535");
  }
}

TEST_F(ConfigTest, QuotedPortIsAccepted) {
  auto r = load(std::string(kOneConnection) + "    port: \"6543\"\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->connections[0].port, 6543);
}

TEST_F(ConfigTest, ConnectionTlsAndTimeoutProblems) {
  std::string c = kOneConnection;
  EXPECT_EQ(problem(c + "    tls:\n      mode: verify-ca\n"),
            at(5) +
                "connections[0].tls.mode: expected one of disable|require|verify-full, got "
                "'verify-ca'");
  EXPECT_EQ(problem(c + "    tls:\n      mode: verify-full\n"),
            at(4) + "connections[0].tls.ca_file: required when mode is verify-full");
  EXPECT_EQ(problem(c + "    tls:\n      mode: verify-full\n      ca_file: /nonexistent/ca.pem\n"),
            at(6) + "connections[0].tls.ca_file: cannot read '/nonexistent/ca.pem': no such file");
  EXPECT_EQ(problem(c + "    tls:\n      mode: require\n      sni: x\n"),
            at(6) + "unknown key 'sni' in connection tls");
  EXPECT_EQ(problem(c + "    connect_timeout: 5\n"),
            at(4) +
                "connections[0].connect_timeout: expected a duration such as 500ms, 10s, "
                "5m, 8h or 30d (or 0)");
  EXPECT_EQ(problem(c + "    connect_timeout: 0s\n"),
            at(4) + "connections[0].connect_timeout: must be greater than 0");
}

TEST_F(ConfigTest, SeveralProblemsAreAllReportedInLineOrder) {
  auto p = problems(
      "listen: nope\n"
      "connections:\n"
      "  - name: a\n"
      "    port: 0\n"
      "  - name: a\n"
      "    user: u\n"
      "log_level: loud\n");
  EXPECT_EQ(p, (std::vector<std::string>{
                   at(1) + "listen: expected host:port (such as 127.0.0.1:6432 or [::1]:6432)",
                   at(3) + "connections[0]: user is required",
                   at(4) + "connections[0].port: expected a port number 1-65535",
                   at(5) + "connections[1].name: connection name 'a' is already used on line 3",
                   at(7) + "log_level: expected one of trace|debug|info|warn|error, got 'loud'",
               }));
}

TEST_F(ConfigTest, YamlSyntaxErrorHasLine) {
  auto p = problems("listen: 127.0.0.1:6432\nconnections:\n  - name: [app\n    user: u\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], at(4) + "invalid YAML: end of sequence flow not found");

  p = problems("listen: x\n\tworkers: 2\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind(path_ + ":2: invalid YAML: ", 0), 0u) << p[0];
}

TEST_F(ConfigTest, PasswordFromEnvironment) {
  std::string text = std::string(kOneConnection) + "    password_env: GH_TEST_PG_PASSWORD\n";
  EXPECT_EQ(problem(text), at(4) +
                               "connections[0].password_env: environment variable "
                               "'GH_TEST_PG_PASSWORD' is not set");
  setenv("GH_TEST_PG_PASSWORD", "", 1);
  ASSERT_TRUE(load(text).ok()) << "a set but empty variable is an empty password";
  setenv("GH_TEST_PG_PASSWORD", "s3cret value", 1);
  auto r = load(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->connections[0].login.password, "s3cret value");

  // Without resolve_secrets the variable is not read, even when unset.
  unsetenv("GH_TEST_PG_PASSWORD");
  r = load(text, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->connections[0].login.password, "");
  EXPECT_EQ(r->connections[0].login.password_env, "GH_TEST_PG_PASSWORD");

  // Something that is not a variable name (perhaps the password pasted in) is not echoed.
  auto p = problem(std::string(kOneConnection) + "    password_env: 'hunter2!'\n");
  EXPECT_EQ(p, at(4) + "connections[0].password_env: expected the name of an environment variable");
}

TEST_F(ConfigTest, PasswordFromFile) {
  write("pg.pass", "line one\r\n");
  std::string text = std::string(kOneConnection) + "    password_file: pg.pass\n";
  auto r = load(text);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->connections[0].login.password, "line one");

  write("pg.pass", "no-newline");
  EXPECT_EQ(load(text)->connections[0].login.password, "no-newline");

  std::string missing = std::string(kOneConnection) + "    password_file: missing.pass\n";
  EXPECT_EQ(problem(missing), at(4) + "connections[0].password_file: cannot read '" +
                                  (dir_ / "missing.pass").string() + "': no such file");
  EXPECT_TRUE(load(missing, false).ok());

  setenv("GH_TEST_PG_PASSWORD", "x", 1);
  EXPECT_EQ(problem(text + "    password_env: GH_TEST_PG_PASSWORD\n"),
            at(5) + "connections[0]: set at most one of password_env and password_file");
}

TEST_F(ConfigTest, SecretValuesNeverAppearInProblems) {
  setenv("GH_TEST_PG_PASSWORD", "TOPSECRET-ENV", 1);
  write("pg.pass", "TOPSECRET-FILE\n");
  auto r = load(
      "connections:\n"
      "  - name: a\n"
      "    user: u\n"
      "    password_env: GH_TEST_PG_PASSWORD\n"
      "    port: bad\n"
      "  - name: b\n"
      "    user: u\n"
      "    password_file: pg.pass\n"
      "    port: bad\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("TOPSECRET"), std::string::npos) << r.status().message();
}

TEST_F(ConfigTest, LoadFile) {
  std::string text = std::string("data_dir: ./data\n") + kOneConnection;
  std::string path = write("gh.yaml", text);
  auto r = load_file(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->path, path);
  EXPECT_EQ(r->config_hash, crypto::to_hex(crypto::sha256(text)));
  EXPECT_EQ(r->config_hash.size(), 64u);
  EXPECT_EQ(r->data_dir, (dir_ / "data").string());

  auto missing = load_file((dir_ / "nope.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIo);
  EXPECT_EQ(
      missing.status().message(),
      "cannot read config file '" + (dir_ / "nope.yaml").string() + "': No such file or directory");

  std::string bad = write("bad.yaml", "workers: x\n");
  auto b = load_file(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            bad + ":1: workers: expected an integer from 0 (one per core) to 1024\n" + bad +
                ":1: connections: at least one connection is required");
}

}  // namespace
}  // namespace gh::config

namespace gh::config {
namespace {

TEST(ConfigValidation, ListenMustBeAnIpAddress) {
  auto r = load_string("listen: localhost:6432\nconnections:\n  - {name: a, user: u}\n",
                       "/tmp/x.yaml", false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/tmp/x.yaml:1: listen: 'localhost' is not an IP address"),
            std::string::npos)
      << r.status().message();
}

TEST(ConfigValidation, StartupTimeoutZeroIsRejected) {
  auto r = load_string(
      "limits:\n  startup_timeout: 0\nconnections:\n  - {name: a, user: u}\n", "/tmp/x.yaml",
      false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/tmp/x.yaml:2: limits.startup_timeout: must be greater than 0"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace gh::config

namespace gh::config {
namespace {

TEST(ConfigValidation, AuditAndRecordingSections) {
  auto r = load_string(
      "data_dir: /tmp/ghdata\n"
      "audit:\n  durability: strict\n  retention_days: 30\n  segment_size: 1MB\n"
      "  checkpoint_interval: 2s\n  sync_interval: 20ms\n"
      "recording:\n  param_max_bytes: 0\n  result_rows: 5\n"
      "connections:\n  - {name: a, user: u}\n",
      "/tmp/x.yaml", false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->audit.durability, Durability::kStrict);
  EXPECT_EQ(r->audit.retention_days, 30);
  EXPECT_EQ(r->audit.segment_size, 1u << 20);
  EXPECT_EQ(r->audit.sync_interval, std::chrono::milliseconds(20));
  EXPECT_EQ(r->audit.dir, "/tmp/ghdata/audit");
  EXPECT_EQ(r->audit.signing_key, "/tmp/ghdata/audit-signing.key");
  EXPECT_EQ(r->recording.param_max_bytes, 0u);
  EXPECT_EQ(r->recording.result_rows, 5u);
}

TEST(ConfigValidation, AuditBadValues) {
  auto r = load_string(
      "audit:\n  durability: sometimes\n  checkpoint_interval: 10ms\n  nope: 1\n"
      "  sync_interval: 2s\n"
      "connections:\n  - {name: a, user: u}\n",
      "/tmp/x.yaml", false);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("/tmp/x.yaml:2: audit.durability: expected balanced or strict"),
            std::string::npos) << m;
  EXPECT_NE(m.find("/tmp/x.yaml:3: audit.checkpoint_interval: must be at least 100ms"),
            std::string::npos) << m;
  EXPECT_NE(m.find("/tmp/x.yaml:4: unknown key 'nope' in audit"), std::string::npos) << m;
  EXPECT_NE(m.find("/tmp/x.yaml:5: audit.sync_interval: must be between 1ms and 1s"),
            std::string::npos) << m;
}

}  // namespace
}  // namespace gh::config
