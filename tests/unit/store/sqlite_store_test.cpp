#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/api_key_format.h"
#include "store/sqlite_db.h"
#include "store/sqlite_schema.h"
#include "store/state_store.h"

namespace gh::store {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gh_store_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    data_dir_ = (root_ / "data").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<StateStore> open() {
    auto s = open_sqlite_store(data_dir_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

  fs::path root_;
  std::string data_dir_;
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST_F(SqliteStoreTest, CreatesPrivateDirectoryAndFileInWalMode) {
  data_dir_ = (root_ / "a" / "b").string();
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(root_ / "a"), 0700u);
  EXPECT_EQ(mode_of(data_dir_), 0700u);
  EXPECT_EQ(mode_of(fs::path(data_dir_) / "state.db"), 0600u);

  auto db = Database::open((fs::path(data_dir_) / "state.db").string());
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_EQ(mode->step(), SQLITE_ROW);
  EXPECT_EQ(mode->column_text(0), "wal");
  auto version = sqlite_schema_version(db.value());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kSqliteSchemaVersion);
}

TEST_F(SqliteStoreTest, CreateAndAuthenticate) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  int64_t before = now();
  auto created = store->create_api_key({"ci-bot", "alice@example.com", {"eng", "ci"}, {}});
  ASSERT_TRUE(created.ok()) << created.status().message();
  const CreatedApiKey& c = created.value();
  EXPECT_TRUE(looks_like_api_key(c.secret));
  EXPECT_EQ(c.key.prefix, c.secret.substr(0, 12));
  EXPECT_GE(c.key.created_at, before);

  auto who = store->authenticate_api_key(c.secret, now());
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->name, "ci-bot");
  EXPECT_EQ(who->owner, "alice@example.com");
  EXPECT_EQ(who->groups, (std::vector<std::string>{"eng", "ci"}));
  EXPECT_EQ(who->prefix, c.key.prefix);
  EXPECT_EQ(who->created_at, c.key.created_at);
  EXPECT_FALSE(who->expires_at.has_value());
  EXPECT_FALSE(who->revoked_at.has_value());
}

TEST_F(SqliteStoreTest, OnlyTheHashIsStored) {
  auto store = open();
  auto c = store->create_api_key({"k", "", {"g"}, {}});
  ASSERT_TRUE(c.ok());
  store.reset();
  std::string body = c->secret.substr(12);  // everything after the display prefix
  for (const char* f : {"state.db", "state.db-wal"}) {
    fs::path p = fs::path(data_dir_) / f;
    if (!fs::exists(p)) continue;
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(body), std::string::npos) << f;
  }
}

TEST_F(SqliteStoreTest, OwnerDefaultsToName) {
  auto store = open();
  auto c = store->create_api_key({"nightly-job", "", {"etl"}, {}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->key.owner, "nightly-job");
  EXPECT_EQ(store->authenticate_api_key(c->secret, now())->owner, "nightly-job");
}

TEST_F(SqliteStoreTest, UnknownAndMalformedKeys) {
  auto store = open();
  ASSERT_TRUE(store->create_api_key({"k", "", {"g"}, {}}).ok());
  auto r = store->authenticate_api_key(generate_api_key(), now());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r.status().message(), "unknown api key");
  for (std::string_view bad : {"", "ghk_", "hunter2", "ghk_short"}) {
    EXPECT_EQ(store->authenticate_api_key(bad, now()).status().code(), Status::Code::kNotFound);
  }
}

TEST_F(SqliteStoreTest, DuplicateNameIsInvalid) {
  auto store = open();
  ASSERT_TRUE(store->create_api_key({"k", "", {"g"}, {}}).ok());
  auto dup = store->create_api_key({"k", "bob", {"h"}, {}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(dup.status().message(), "an api key named 'k' already exists");
  EXPECT_EQ(store->list_api_keys()->size(), 1u);
}

TEST_F(SqliteStoreTest, InvalidRequestIsRefused) {
  auto store = open();
  auto r = store->create_api_key({"bad name", "", {}, {}});
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_TRUE(store->list_api_keys()->empty());
}

TEST_F(SqliteStoreTest, Expiry) {
  auto store = open();
  int64_t t = now();
  auto c = store->create_api_key({"temp", "", {"g"}, t + 60});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(store->authenticate_api_key(c->secret, t).ok());
  EXPECT_TRUE(store->authenticate_api_key(c->secret, t + 59).ok());
  auto r = store->authenticate_api_key(c->secret, t + 60);
  EXPECT_EQ(r.status().code(), Status::Code::kDenied);
  EXPECT_EQ(r.status().message(), "api key expired");
  EXPECT_EQ(store->list_api_keys()->at(0).expires_at, t + 60);
}

TEST_F(SqliteStoreTest, Revoke) {
  auto store = open();
  auto c = store->create_api_key({"k", "", {"g"}, {}});
  ASSERT_TRUE(c.ok());
  int64_t t = now();
  EXPECT_TRUE(store->revoke_api_key("k", t).ok());
  auto r = store->authenticate_api_key(c->secret, t);
  EXPECT_EQ(r.status().code(), Status::Code::kDenied);
  EXPECT_EQ(r.status().message(), "api key revoked");
  // Revoking again keeps the first time.
  EXPECT_TRUE(store->revoke_api_key("k", t + 100).ok());
  EXPECT_EQ(store->list_api_keys()->at(0).revoked_at, t);

  Status missing = store->revoke_api_key("nope", t);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "no api key named 'nope'");
}

TEST_F(SqliteStoreTest, RevokedBeatsExpired) {
  auto store = open();
  int64_t t = now();
  auto c = store->create_api_key({"k", "", {"g"}, t - 1});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(store->revoke_api_key("k", t).ok());
  EXPECT_EQ(store->authenticate_api_key(c->secret, t).status().message(), "api key revoked");
}

TEST_F(SqliteStoreTest, ListIsOrderedByName) {
  auto store = open();
  ASSERT_TRUE(store->create_api_key({"zeta", "", {"g"}, {}}).ok());
  ASSERT_TRUE(store->create_api_key({"alpha", "al", {}, 123}).ok());
  auto keys = store->list_api_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->at(0).name, "alpha");
  EXPECT_EQ(keys->at(0).owner, "al");
  EXPECT_TRUE(keys->at(0).groups.empty());
  EXPECT_EQ(keys->at(0).expires_at, 123);
  EXPECT_EQ(keys->at(1).name, "zeta");
  EXPECT_EQ(keys->at(1).prefix.size(), 12u);
}

TEST_F(SqliteStoreTest, DataPersistsAcrossReopen) {
  std::string secret;
  {
    auto store = open();
    secret = store->create_api_key({"k", "", {"g"}, {}})->secret;
  }
  auto store = open();
  EXPECT_TRUE(store->authenticate_api_key(secret, now()).ok());
}

// The `keys` CLI and a running server open the same file: each sees the other's writes.
TEST_F(SqliteStoreTest, TwoInstancesOnTheSameFile) {
  auto server = open();
  auto cli = open();
  ASSERT_NE(server, nullptr);
  ASSERT_NE(cli, nullptr);
  // The server has read (and cached statements) before the CLI writes.
  EXPECT_TRUE(server->list_api_keys()->empty());

  auto c = cli->create_api_key({"agent", "", {"ai"}, {}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto who = server->authenticate_api_key(c->secret, now());
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->groups, std::vector<std::string>{"ai"});

  EXPECT_EQ(server->create_api_key({"agent", "", {}, {}}).status().code(), Status::Code::kInvalid);
  ASSERT_TRUE(cli->revoke_api_key("agent", now()).ok());
  EXPECT_EQ(server->authenticate_api_key(c->secret, now()).status().code(), Status::Code::kDenied);
}

TEST_F(SqliteStoreTest, ConcurrentWritersFromThreadsAndInstances) {
  auto a = open();
  auto b = open();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      StateStore* s = (t % 2 == 0) ? a.get() : b.get();
      for (int i = 0; i < 25; ++i) {
        auto c = s->create_api_key({"k" + std::to_string(t) + "_" + std::to_string(i), "", {}, {}});
        if (!c.ok() || !s->authenticate_api_key(c->secret, now()).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(a->list_api_keys()->size(), 100u);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  ASSERT_NE(open(), nullptr);
  {
    auto db = Database::open((fs::path(data_dir_) / "state.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("INSERT INTO schema_version VALUES (999, 0)").ok());
  }
  auto s = open_sqlite_store(data_dir_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalid);
  EXPECT_NE(s.status().message().find("schema version 999"), std::string::npos)
      << s.status().message();
}

TEST_F(SqliteStoreTest, DataDirThatIsAFileIsAnError) {
  std::ofstream(root_ / "file") << "x";
  auto s = open_sqlite_store((root_ / "file").string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kIo);
  EXPECT_FALSE(open_sqlite_store("").ok());
}

TEST_F(SqliteStoreTest, WebhookOutboxKeepsQueueOrderUntilRemoved) {
  auto store_ = open();
  ASSERT_NE(store_, nullptr);
  auto a = store_->outbox_add("review.requested", R"({"n":1})", 100);
  auto b = store_->outbox_add("review.decided", R"({"n":2})", 200);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(*a, *b);
  auto all = store_->outbox_load();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, *a);
  EXPECT_EQ((*all)[0].event, "review.requested");
  EXPECT_EQ((*all)[0].body, R"({"n":1})");
  EXPECT_EQ((*all)[0].created_ns, 100);
  EXPECT_EQ((*all)[1].event, "review.decided");
  ASSERT_TRUE(store_->outbox_remove(*a).ok());
  ASSERT_TRUE(store_->outbox_remove(*a).ok());  // removing twice is harmless
  all = store_->outbox_load();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, *b);
}

}  // namespace
}  // namespace gh::store
