// The webhook delivers review notifications signed, and keeps those it has not delivered in the
// state store's outbox, so a restart (or a crash) sends them still.

#include "review/webhook.h"

#include "temp_store.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace gh::review {
namespace {

using namespace std::chrono_literals;

// A real HTTP receiver on a free loopback port.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      posts_.push_back({req.get_header_value("X-Gatehouse-Event"),
                        req.get_header_value("X-Gatehouse-Signature"), req.body});
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  struct Post {
    std::string event, signature, body;
  };
  std::vector<Post> posts() {
    std::lock_guard lock(mu_);
    return posts_;
  }
  bool wait_for(size_t n) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms))
      if (posts().size() >= n) return true;
    return false;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Post> posts_;
};

class WebhookTest : public TempStoreTest {
 protected:
  size_t waiting() {
    auto w = store_->outbox_load();
    EXPECT_TRUE(w.ok());
    return w.ok() ? w->size() : 0;
  }
};

TEST_F(WebhookTest, DeliveredNotificationsLeaveTheOutbox) {
  Receiver rx;
  {
    Webhook hook(rx.url(), "s3cret", store_.get());
    hook.send("review.requested", R"({"text":"one"})");
    hook.send("review.decided", R"({"text":"two"})");
    ASSERT_TRUE(rx.wait_for(2));
  }
  auto posts = rx.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].event, "review.requested");
  EXPECT_EQ(posts[0].body, R"({"text":"one"})");
  EXPECT_EQ(posts[0].signature, Webhook::signature("s3cret", posts[0].body));
  EXPECT_EQ(posts[1].event, "review.decided");
  EXPECT_EQ(waiting(), 0u);
}

TEST_F(WebhookTest, WhatWasNotDeliveredIsSentAfterARestart) {
  // Nobody listens: the first attempt fails, and the hook stops while it waits to retry.
  std::string dead_url;
  {
    Receiver gone;
    dead_url = gone.url();
  }
  {
    Webhook hook(dead_url, "s3cret", store_.get());
    hook.send("review.requested", R"({"text":"while the receiver was down"})");
    std::this_thread::sleep_for(200ms);
  }
  auto kept = store_->outbox_load();
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].event, "review.requested");
  EXPECT_GT((*kept)[0].created_ns, 0);

  // The next start delivers it, then forgets it.
  Receiver rx;
  {
    Webhook hook(rx.url(), "s3cret", store_.get());
    ASSERT_TRUE(rx.wait_for(1));
    for (int i = 0; i < 100 && waiting() > 0; ++i) std::this_thread::sleep_for(10ms);
  }
  auto posts = rx.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].body, R"({"text":"while the receiver was down"})");
  EXPECT_EQ(posts[0].signature, Webhook::signature("s3cret", posts[0].body));
  EXPECT_EQ(waiting(), 0u);
}

TEST_F(WebhookTest, WithoutAStoreItStillDelivers) {
  Receiver rx;
  Webhook hook(rx.url(), "k", nullptr);
  hook.send("review.decided", "{}");
  ASSERT_TRUE(rx.wait_for(1));
}

}  // namespace
}  // namespace gh::review
