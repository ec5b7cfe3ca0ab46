// Review requests: who may decide them, min_approvals by distinct approvers, deny/expiry/cancel
// ending them, edits checked, and waiters told exactly once.

#include "review/review_book.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace gh::review {
namespace {

constexpr int64_t kSec = 1'000'000'000;

Request sample(int min_approvals = 1) {
  Request r;
  r.session_id = "s1";
  r.principal = "agent-7";
  r.connection = "app";
  r.sql = "ALTER TABLE orders ADD COLUMN note text";
  r.rules = {"agent-safe/schema-changes"};
  r.approver_groups = {"dba"};
  r.min_approvals = min_approvals;
  r.expires_ns = 900 * kSec;
  return r;
}

Reviewer dba(std::string who) { return Reviewer{std::move(who), {"dba"}, true}; }

TEST(ReviewBook, ApproveByAnApproverOfTheRightGroup) {
  ReviewBook book;
  Request r = book.create(sample(), 0);
  EXPECT_EQ(r.id.size(), 23u);
  EXPECT_EQ(r.id.rfind("rv_", 0), 0u);
  EXPECT_EQ(r.state, State::kPending);
  int told = 0;
  book.watch(r.id, [&](const Request& done) {
    ++told;
    EXPECT_EQ(done.state, State::kApproved);
    EXPECT_EQ(done.decided_by, "alice");
  });
  // Not an approver, or not in the rule's groups: 403-like refusals.
  auto o = book.approve(r.id, Reviewer{"bob", {"dba"}, false}, "", "", nullptr, kSec);
  EXPECT_EQ(o.refused, Refusal::kNotAnApprover);
  o = book.approve(r.id, Reviewer{"carol", {"finance"}, true}, "", "", nullptr, kSec);
  EXPECT_EQ(o.refused, Refusal::kNotAnApprover);
  EXPECT_NE(o.message.find("dba"), std::string::npos);
  // Nobody approves their own request.
  o = book.approve(r.id, Reviewer{"agent-7", {"dba"}, true}, "", "", nullptr, kSec);
  EXPECT_EQ(o.refused, Refusal::kSelfReview);
  EXPECT_EQ(told, 0);
  o = book.approve(r.id, dba("alice"), "ok for the release", "", nullptr, 2 * kSec);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.request.state, State::kApproved);
  EXPECT_EQ(o.request.approvals.size(), 1u);
  EXPECT_EQ(told, 1);
  // Decided: no more actions.
  EXPECT_EQ(book.deny(r.id, dba("dave"), "late", 3 * kSec).refused, Refusal::kNotPending);
  EXPECT_EQ(book.approve("rv_nope", dba("x"), "", "", nullptr, 0).refused, Refusal::kNotFound);
}

TEST(ReviewBook, MinApprovalsCountsDistinctApprovers) {
  ReviewBook book;
  Request r = book.create(sample(2), 0);
  ASSERT_TRUE(book.approve(r.id, dba("alice"), "", "", nullptr, kSec).ok());
  EXPECT_EQ(book.get(r.id)->state, State::kPending);
  EXPECT_EQ(book.approve(r.id, dba("alice"), "", "", nullptr, kSec).refused,
            Refusal::kAlreadyApproved);
  auto o = book.approve(r.id, dba("bob"), "", "", nullptr, 2 * kSec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.request.state, State::kApproved);
  EXPECT_EQ(o.request.approvals.size(), 2u);
}

TEST(ReviewBook, AnyDenyEndsIt) {
  ReviewBook book;
  Request r = book.create(sample(2), 0);
  ASSERT_TRUE(book.approve(r.id, dba("alice"), "", "", nullptr, kSec).ok());
  std::string reason;
  book.watch(r.id, [&](const Request& d) { reason = d.reason; });
  auto o = book.deny(r.id, dba("bob"), "not during business hours", 2 * kSec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.request.state, State::kDenied);
  EXPECT_EQ(reason, "not during business hours");
  EXPECT_EQ(book.deny(r.id, Reviewer{"agent-7", {"dba"}, true}, "", 0).refused,
            Refusal::kNotPending);
}

TEST(ReviewBook, EditsAreCheckedAndKept) {
  ReviewBook book;
  Request r = book.create(sample(), 0);
  auto refuse_all = [](const Request&, std::string_view) {
    return std::string("needs review itself");
  };
  auto o = book.approve(r.id, dba("alice"), "", "DROP TABLE orders", refuse_all, kSec);
  EXPECT_EQ(o.refused, Refusal::kEditRefused);
  EXPECT_NE(o.message.find("needs review itself"), std::string::npos);
  EXPECT_EQ(book.get(r.id)->state, State::kPending);
  std::string judged_for;
  auto accept = [&](const Request& req, std::string_view) {
    judged_for = req.principal;
    return std::string();
  };
  // The same text is no edit: nothing to check.
  o = book.approve(r.id, Reviewer{"bob", {"dba"}, true}, "", r.sql, refuse_all, kSec);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.request.edited_sql, "");
  r = book.create(sample(), 0);
  o = book.approve(r.id, dba("alice"), "narrowed", "ALTER TABLE orders ADD COLUMN note varchar(80)",
                   accept, kSec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.request.sql, "ALTER TABLE orders ADD COLUMN note text");
  EXPECT_EQ(o.request.edited_sql, "ALTER TABLE orders ADD COLUMN note varchar(80)");
  EXPECT_EQ(judged_for, r.principal);
}

TEST(ReviewBook, ExpiryCancellationAndLateWatchers) {
  ReviewBook book;
  Request a = book.create(sample(), 0);
  Request b = book.create(sample(), 0);
  State seen = State::kPending;
  book.watch(a.id, [&](const Request& d) { seen = d.state; });
  EXPECT_EQ(book.expire(899 * kSec), 0u);
  EXPECT_EQ(book.expire(900 * kSec), 2u);
  EXPECT_EQ(seen, State::kExpired);
  EXPECT_EQ(book.pending(), 0u);
  // Watching a decided request answers at once.
  State late = State::kPending;
  book.watch(b.id, [&](const Request& d) { late = d.state; });
  EXPECT_EQ(late, State::kExpired);
  Request c = book.create(sample(), 1000 * kSec);
  auto o = book.cancel(c.id, "client disconnected", 1001 * kSec);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.request.state, State::kCancelled);
  EXPECT_EQ(book.list(State::kCancelled, 10).size(), 1u);
  EXPECT_EQ(book.list(std::nullopt, 10).front().id, c.id);  // newest first
  // Decided requests are forgotten after an hour (the audit log keeps them).
  book.expire(1001 * kSec + ReviewBook::kKeepDecidedNs + 1);
  EXPECT_FALSE(book.get(c.id).has_value());
}

TEST(ReviewBook, ConcurrentApproversDecideOnce) {
  ReviewBook book;
  Request r = book.create(sample(1), 0);
  std::atomic<int> told{0};
  book.watch(r.id, [&](const Request&) { told.fetch_add(1); });
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      if (book.approve(r.id, dba("approver-" + std::to_string(i)), "", "", nullptr, kSec).ok())
        ok.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(told.load(), 1);
}

}  // namespace
}  // namespace gh::review

namespace gh::review {
namespace {

TEST(ReviewBook, TicketsAreTakenOnceAfterTheDecision) {
  ReviewBook book;
  Request r = sample();
  r.ticket_key = "agent-7\0app\0ALTER";
  Request filed = book.create(r, 0);
  auto t = book.take_ticket(r.ticket_key, 600 * kSec, kSec);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, State::kPending);
  EXPECT_TRUE(book.take_ticket(r.ticket_key, 600 * kSec, kSec).has_value());  // still pending
  ASSERT_TRUE(book.approve(filed.id, dba("alice"), "", "", nullptr, 2 * kSec).ok());
  t = book.take_ticket(r.ticket_key, 600 * kSec, 3 * kSec);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, State::kApproved);
  EXPECT_FALSE(book.take_ticket(r.ticket_key, 600 * kSec, 4 * kSec).has_value());  // used
  EXPECT_FALSE(book.take_ticket("another key", 600 * kSec, 4 * kSec).has_value());
  // An approval not used within the ttl is gone.
  Request late = book.create(r, 10 * kSec);
  ASSERT_TRUE(book.approve(late.id, dba("alice"), "", "", nullptr, 11 * kSec).ok());
  EXPECT_FALSE(book.take_ticket(r.ticket_key, 60 * kSec, 72 * kSec).has_value());
}

}  // namespace
}  // namespace gh::review

namespace gh::review {
namespace {

Request grant_request() {
  Request r;
  r.kind = Kind::kGrant;
  r.principal = "agent-7";
  r.connection = "warehouse";
  r.role = "analyst";
  r.duration_s = 1800;
  r.facts = "incident 42";
  r.expires_ns = 900 * kSec;
  return r;
}

TEST(ReviewBookGrants, AnApprovedGrantLetsInUntilItRunsOutOrIsRevoked) {
  ReviewBook book;
  std::vector<std::string> journal;
  book.set_journal([&](std::string_view e, const Request& r) {
    journal.push_back(std::string(e) + " " + std::string(to_string(r.state)));
  });
  Request g = book.create(grant_request(), 0);
  EXPECT_TRUE(g.id.starts_with("gr_"));
  EXPECT_FALSE(book.use_grant("agent-7", "warehouse", kSec).has_value());  // pending
  EXPECT_EQ(book.approve(g.id, dba("bob"), "", "SELECT 1", nullptr, 10 * kSec).refused,
            Refusal::kEditRefused);
  ASSERT_TRUE(book.approve(g.id, dba("bob"), "ok", "", nullptr, 10 * kSec).ok());
  EXPECT_EQ(book.get(g.id)->grant_expires_ns, 10 * kSec + 1800 * kSec);
  EXPECT_FALSE(book.use_grant("agent-7", "other", 20 * kSec).has_value());
  EXPECT_FALSE(book.use_grant("agent-8", "warehouse", 20 * kSec).has_value());
  auto used = book.use_grant("agent-7", "warehouse", 20 * kSec);
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->role, "analyst");
  EXPECT_FALSE(book.use_grant("agent-7", "warehouse", 1810 * kSec).has_value());  // ran out
  // Statement tickets never match a grant.
  EXPECT_FALSE(book.take_ticket("", 600 * kSec, 20 * kSec).has_value());
  EXPECT_EQ(book.revoke(g.id, dba("agent-7"), "mine", 30 * kSec).refused, Refusal::kSelfReview);
  ASSERT_TRUE(book.revoke(g.id, dba("carol"), "closed", 30 * kSec).ok());
  EXPECT_FALSE(book.use_grant("agent-7", "warehouse", 31 * kSec).has_value());
  EXPECT_EQ(book.revoke(g.id, dba("carol"), "again", 32 * kSec).refused, Refusal::kNotPending);
  EXPECT_EQ(book.list(std::nullopt, 10, Kind::kGrant).size(), 1u);
  EXPECT_EQ(book.list(std::nullopt, 10, Kind::kStatement).size(), 0u);
  std::vector<std::string> want = {"requested pending", "decided approved", "used approved",
                                   "decided revoked"};
  EXPECT_EQ(journal, want);
}

}  // namespace
}  // namespace gh::review
