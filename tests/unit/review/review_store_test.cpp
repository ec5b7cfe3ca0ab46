// Review requests survive a restart: saved at each change, loaded back; a held statement's
// request is cancelled (its session is gone), a ticket stays usable.

#include "review/review_store.h"

#include "temp_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace gh::review {
namespace {

constexpr int64_t kSec = 1'000'000'000;

class ReviewStoreTest : public TempStoreTest {
 protected:
  // A book whose every change is saved, as `gatehouse serve` wires it.
  void persist(ReviewBook& book) {
    book.set_journal([this](std::string_view, const Request& r) {
      ASSERT_TRUE(store_->save_review(to_stored(r)).ok());
    });
  }
  static Request sample(bool held) {
    Request r;
    r.session_id = "s1";
    r.principal = "agent-7";
    r.principal_groups = {"agents", "readers"};
    r.connection = "app";
    r.sql = "DELETE FROM orders WHERE id = $1";
    r.params_json = R"(["42"])";
    r.simple_protocol = false;
    r.held = held;
    r.rules = {"deletes"};
    r.approver_groups = {"dba"};
    r.min_approvals = 2;
    r.expires_ns = 900 * kSec;
    r.ticket_key = std::string("agent-7\0app\0", 12) + r.sql;
    return r;
  }
};

TEST_F(ReviewStoreTest, RoundTripKeepsEveryField) {
  ReviewBook book;
  persist(book);
  Request r = book.create(sample(false), kSec);
  ASSERT_TRUE(book.approve(r.id, Reviewer{"bob", {"dba"}, true}, "fine", "", nullptr, 2 * kSec).ok());
  auto rows = store_->load_reviews(0);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).version, 2u);
  EXPECT_EQ(rows->at(0).state, "pending");
  std::optional<Request> back = from_stored(rows->at(0));
  ASSERT_TRUE(back.has_value());
  Request want = *book.get(r.id);
  EXPECT_EQ(back->id, want.id);
  EXPECT_EQ(back->principal_groups, want.principal_groups);
  EXPECT_EQ(back->params_json, want.params_json);
  EXPECT_FALSE(back->simple_protocol);
  EXPECT_EQ(back->ticket_key, want.ticket_key);  // NUL bytes included
  EXPECT_EQ(back->min_approvals, 2);
  ASSERT_EQ(back->approvals.size(), 1u);
  EXPECT_EQ(back->approvals[0].approver, "bob");
  EXPECT_EQ(back->approvals[0].at_ns, 2 * kSec);
  EXPECT_EQ(back->version, 2u);
  // Damaged or foreign bodies are not requests.
  store::StoredReview bad = rows->at(0);
  bad.body = "{}";
  EXPECT_FALSE(from_stored(bad).has_value());
  bad.body = to_stored(want).body;
  bad.id = "rv_other";
  EXPECT_FALSE(from_stored(bad).has_value());
}

TEST_F(ReviewStoreTest, AnOlderVersionNeverOverwritesANewerOne) {
  ReviewBook book;
  Request r = book.create(sample(false), kSec);
  store::StoredReview v1 = to_stored(r);
  ASSERT_TRUE(book.deny(r.id, Reviewer{"bob", {"dba"}, true}, "no", 2 * kSec).ok());
  store::StoredReview v2 = to_stored(*book.get(r.id));
  ASSERT_TRUE(store_->save_review(v2).ok());
  ASSERT_TRUE(store_->save_review(v1).ok());  // late, stale: ignored
  auto rows = store_->load_reviews(0);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).state, "denied");
}

TEST_F(ReviewStoreTest, RestartCancelsHeldRequestsAndKeepsTickets) {
  std::string held_id, ticket_id, old_id;
  {
    ReviewBook book;
    persist(book);
    held_id = book.create(sample(true), kSec).id;
    ticket_id = book.create(sample(false), kSec).id;
    old_id = book.create(sample(false), kSec).id;
    ASSERT_TRUE(book.deny(old_id, Reviewer{"bob", {"dba"}, true}, "no", 2 * kSec).ok());
  }
  ReviewBook book;
  std::vector<std::string> journal;
  book.set_journal([&](std::string_view event, const Request& r) {
    journal.push_back(std::string(event) + " " + r.id);
    ASSERT_TRUE(store_->save_review(to_stored(r)).ok());
  });
  // Two hours later the denial is older than the book keeps: not loaded.
  auto n = restore_reviews(*store_, book, 2 * kSec + 2 * ReviewBook::kKeepDecidedNs);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(n.value(), 2u);
  EXPECT_FALSE(book.get(old_id).has_value());
  EXPECT_EQ(book.get(held_id)->state, State::kCancelled);
  EXPECT_NE(book.get(held_id)->reason.find("restarted"), std::string::npos);
  EXPECT_EQ(journal, std::vector<std::string>{"decided " + held_id});
  EXPECT_EQ(book.get(ticket_id)->state, State::kPending);
  // The restored ticket is decided and used like any other.
  auto o = book.approve(ticket_id, Reviewer{"bob", {"dba"}, true}, "", "", nullptr, 3 * kSec);
  ASSERT_TRUE(o.ok()) << o.message;
  o = book.approve(ticket_id, Reviewer{"carol", {"dba"}, true}, "", "", nullptr, 3 * kSec);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.request.state, State::kApproved);
  EXPECT_TRUE(book.take_ticket(sample(false).ticket_key, 600 * kSec, 4 * kSec).has_value());
}

}  // namespace
}  // namespace gh::review
