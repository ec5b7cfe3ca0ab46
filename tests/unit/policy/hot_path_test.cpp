// decide() runs per statement on an io thread: no allocation unless a rule matched (then
// only the Decision's list), and a cost that fits the per-query budget.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>

#include "policy_test_util.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counts every allocation of this test binary while g_counting is set.
void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace gh::policy {
namespace {

using testing::compile;
using testing::Judge;

uint64_t allocations_of(const std::function<void()>& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations.load();
}

TEST(HotPath, AnAllowedStatementAllocatesNothing) {
  Judge j(compile("include: [agent-safe]"));
  const std::string sql = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
  const auto& statements = j.analyzer_.analyze(sql).statements;
  const Subject subject = j.subject();
  std::vector<std::optional<CostEstimate>> estimates = {CostEstimate{1, 8.5}};
  DecideContext ctx;
  ctx.estimates = estimates;
  PreparedStatements ps;
  ctx.prepared = &ps;
  Decision d;
  EXPECT_EQ(allocations_of([&] { d = j.policy_->decide(statements, subject, ctx); }), 0u);
  EXPECT_EQ(d.action, Action::kAllow);
  uint64_t needed = 1;
  EXPECT_EQ(allocations_of([&] { needed = j.policy_->estimates_needed(statements, subject, &ps); }),
            0u);
  EXPECT_EQ(needed, 1u);
}

TEST(HotPath, ABlockedStatementAllocatesOnlyTheMatchList) {
  Judge j(compile("include: [agent-safe]"));
  const auto& statements = j.analyzer_.analyze("SELECT pg_catalog.pg_read_file('x')").statements;
  const Subject subject = j.subject();
  Decision d;
  EXPECT_EQ(allocations_of([&] { d = j.policy_->decide(statements, subject); }), 1u);
  EXPECT_EQ(d.action, Action::kBlock);
}

// Prints the cost of deciding pgbench's statements with the agent-safe pack. Not a gate:
// bench/ measures; this shows the order of magnitude in every test run.
TEST(HotPath, CostPerDecision) {
  Judge j(compile("include: [agent-safe]"));
  const char* kStatements[] = {
      "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
      "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, "
      "CURRENT_TIMESTAMP)",
      "BEGIN",
      "SELECT id, email FROM users WHERE lower(email) = lower($1) AND coalesce(active, true) "
      "LIMIT 1"};
  // Shared analyses stay alive whatever the analyzer's cache does.
  std::vector<std::shared_ptr<const sql::AnalyzedSql>> keep;
  std::vector<const std::vector<sql::StatementFacts>*> messages;
  for (const char* s : kStatements) {
    keep.push_back(j.analyzer_.analyze_shared(s));
    messages.push_back(&keep.back()->statements);
  }
  const Subject subject = j.subject();
  constexpr int kRounds = 20000;
  int allowed = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i)
    for (const auto* m : messages) allowed += j.policy_->decide(*m, subject).allowed();
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(allowed, kRounds * static_cast<int>(messages.size()));
  std::printf("[ cost     ] decide() with agent-safe: %.0f ns per statement\n",
              static_cast<double>(ns) / (kRounds * static_cast<double>(messages.size())));
}

}  // namespace
}  // namespace gh::policy
