#include "credentials/sweep_plan.h"

#include <gtest/gtest.h>

namespace gh::credentials {
namespace {

using std::chrono::seconds;
using Names = std::vector<std::string>;

constexpr int64_t kNow = 1714566896;  // 2024-05-01 12:34:56 UTC
const char* const kLongAgo = "2024-05-01 11:00:00+00";
const char* const kJustNow = "2024-05-01 12:30:00+00";
const char* const kLater = "2024-05-01 13:00:00+00";

TEST(SweepPlan, DropsThisInstancesRolesThatAreNotLive) {
  std::vector<RoleRow> rows = {{"gh_aa_0000000000000001", kLater},
                               {"gh_aa_0000000000000002", kLater},
                               {"gh_aa_0000000000000003", std::nullopt}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {"gh_aa_0000000000000002"}, kNow, seconds(300)),
            (Names{"gh_aa_0000000000000001", "gh_aa_0000000000000003"}));
}

TEST(SweepPlan, DropsAnyInstancesRolesExpiredBeyondGrace) {
  std::vector<RoleRow> rows = {
      {"gh_bb_0000000000000001", kLongAgo},  // expired 1.5 h ago
      {"gh_bb_0000000000000002", kJustNow},  // within grace
      {"gh_bb_0000000000000003", kLater},    // still valid
      {"gh_bb_0000000000000004", "-infinity"},  {"gh_bb_0000000000000005", "infinity"},
      {"gh_bb_0000000000000006", std::nullopt}, {"gh_bb_0000000000000007", "garbage"}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {}, kNow, seconds(600)),
            (Names{"gh_bb_0000000000000001", "gh_bb_0000000000000004"}));
}

TEST(SweepPlan, GraceIsStrict) {
  std::vector<RoleRow> rows = {{"gh_bb_0000000000000001", "2024-05-01 12:24:56+00"}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {}, kNow, seconds(600)), Names{});
  EXPECT_EQ(roles_to_sweep(rows, "aa", {}, kNow, seconds(599)), Names{"gh_bb_0000000000000001"});
}

TEST(SweepPlan, LiveRolesStayEvenWhenExpired) {
  // VALID UNTIL stops new logins; a session that logged in before it may still be running.
  std::vector<RoleRow> rows = {{"gh_aa_0000000000000001", kLongAgo}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {"gh_aa_0000000000000001"}, kNow, seconds(0)), Names{});
}

TEST(SweepPlan, NeverTouchesRolesGatehouseDidNotName) {
  std::vector<RoleRow> rows = {{"gh_admin", kLongAgo},
                               {"gh_aa_readonly", kLongAgo},
                               {"gh_aa_000000000000001", kLongAgo},
                               {"gh_AA_0000000000000001", kLongAgo},
                               {"app_ro", kLongAgo}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {}, kNow, seconds(0)), Names{});
}

TEST(SweepPlan, InstanceMatchIsExact) {
  // "gh_aab_..." belongs to instance "aab", not to "aa": only its expiry counts.
  std::vector<RoleRow> rows = {{"gh_aab_0000000000000001", kLater},
                               {"gh_a_0000000000000001", kLater}};
  EXPECT_EQ(roles_to_sweep(rows, "aa", {}, kNow, seconds(0)), Names{});
}

}  // namespace
}  // namespace gh::credentials
