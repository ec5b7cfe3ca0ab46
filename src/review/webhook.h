#pragma once

// Review notifications: each new review request and each decision is POSTed as JSON to the
// configured webhook, from a thread of its own (never an io thread). The body carries a
// Slack-compatible `text` for approvers' channels; the header X-Gatehouse-Signature is
// "sha256=" + hex HMAC-SHA256(secret, body), so a receiver can tell it came from gatehouse.
// A failed delivery (no answer, or a status other than 2xx) is retried with backoff
// (0.5 s, 1 s, 2 s, 4 s, 8 s), then dropped and logged; at most kMaxQueued wait. With a state
// store, each notification is kept in its outbox until delivered or dropped, so one still
// waiting at a restart (or a crash) is delivered after it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "store/state_store.h"

namespace gh::review {

class Webhook {
 public:
  static constexpr size_t kMaxQueued = 1000;
  static constexpr int kAttempts = 6;

  // `url`: http:// or https://host[:port][/path]. `outbox` (not owned) may be null: then
  // what is queued at a stop is lost.
  Webhook(std::string url, std::string secret, store::StateStore* outbox = nullptr);
  // Stops after the delivery in progress; what is still queued stays in the outbox.
  ~Webhook();
  Webhook(const Webhook&) = delete;
  Webhook& operator=(const Webhook&) = delete;

  // Queues one JSON body for delivery.
  void send(std::string event, std::string body);

  static std::string signature(const std::string& secret, const std::string& body);

 private:
  struct Item {
    int64_t id = 0;  // in the outbox; 0: not stored
    std::string event;
    std::string body;
  };
  void run();
  bool deliver(const std::string& event, const std::string& body);
  void forget(int64_t id);  // out of the outbox

  std::string base_;  // scheme://host:port
  std::string path_;
  std::string secret_;
  std::mutex mu_;
  std::condition_variable cv_;
  store::StateStore* outbox_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gh::review
