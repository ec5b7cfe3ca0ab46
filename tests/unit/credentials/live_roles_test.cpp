#include "credentials/live_roles.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gh::credentials {
namespace {

using Set = std::unordered_set<std::string>;

TEST(LiveRoles, AddRemoveAndMergeWithDeclaredLiveRoles) {
  live_roles::add("gh_7e57_0000000000000001");
  live_roles::add("gh_7e57_0000000000000002");
  Set s = live_roles::with({"declared"});
  EXPECT_TRUE(s.contains("declared"));
  EXPECT_TRUE(s.contains("gh_7e57_0000000000000001"));
  EXPECT_TRUE(s.contains("gh_7e57_0000000000000002"));
  live_roles::remove("gh_7e57_0000000000000001");
  live_roles::remove("gh_7e57_0000000000000002");
  live_roles::remove("never-added");
  s = live_roles::with({});
  EXPECT_FALSE(s.contains("gh_7e57_0000000000000001"));
  EXPECT_FALSE(s.contains("gh_7e57_0000000000000002"));
}

TEST(LiveRoles, SharedByAllThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) {
        std::string r = "gh_7e57_t" + std::to_string(t) + "_" + std::to_string(i);
        live_roles::add(r);
        (void)live_roles::with({});
        if (i % 2 == 0) live_roles::remove(r);
      }
    });
  }
  for (auto& th : threads) th.join();
  Set s = live_roles::with({});
  EXPECT_TRUE(s.contains("gh_7e57_t3_199"));
  EXPECT_FALSE(s.contains("gh_7e57_t3_198"));
  for (int t = 0; t < 4; ++t) {
    for (int i = 1; i < 200; i += 2)
      live_roles::remove("gh_7e57_t" + std::to_string(t) + "_" + std::to_string(i));
  }
}

}  // namespace
}  // namespace gh::credentials
