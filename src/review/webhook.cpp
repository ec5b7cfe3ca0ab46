#include "review/webhook.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/clock.h"
#include "common/crypto.h"

namespace gh::review {

Webhook::Webhook(std::string url, std::string secret, store::StateStore* outbox)
    : secret_(std::move(secret)), outbox_(outbox) {
  // Split scheme://authority from the path.
  size_t scheme_end = url.find("://");
  size_t path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  base_ = path_start == std::string::npos ? url : url.substr(0, path_start);
  path_ = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (outbox_ != nullptr) {
    auto waiting = outbox_->outbox_load();
    if (!waiting.ok()) {
      spdlog::error("review webhook: cannot read the outbox: {}", waiting.status().message());
    } else {
      for (store::OutboxEntry& e : waiting.value())
        queue_.push_back({e.id, std::move(e.event), std::move(e.body)});
      if (!queue_.empty())
        spdlog::info("review webhook: {} notifications from before the restart to deliver",
                     queue_.size());
    }
  }
  thread_ = std::thread([this] { run(); });
}

Webhook::~Webhook() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Webhook::signature(const std::string& secret, const std::string& body) {
  crypto::Sha256Digest d = crypto::hmac_sha256(secret, body);
  return "sha256=" + crypto::to_hex(d);
}

void Webhook::send(std::string event, std::string body) {
  Item item{0, std::move(event), std::move(body)};
  if (outbox_ != nullptr) {
    auto id = outbox_->outbox_add(item.event, item.body, unix_now_ns());
    if (id.ok()) {
      item.id = id.value();
    } else {
      spdlog::error("review webhook: cannot keep {} in the outbox (it is sent from memory): {}",
                    item.event, id.status().message());
    }
  }
  int64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      spdlog::warn("review webhook: {} notifications waiting; dropping the oldest", queue_.size());
      dropped = queue_.front().id;
      queue_.pop_front();
    }
    queue_.push_back(std::move(item));
  }
  forget(dropped);
  cv_.notify_one();
}

void Webhook::forget(int64_t id) {
  if (outbox_ == nullptr || id == 0) return;
  if (Status s = outbox_->outbox_remove(id); !s.ok())
    spdlog::error("review webhook: {}", s.message());
}

bool Webhook::deliver(const std::string& event, const std::string& body) {
  httplib::Client client(base_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Headers headers = {{"X-Gatehouse-Event", event},
                              {"X-Gatehouse-Signature", signature(secret_, body)}};
  auto r = client.Post(path_, headers, body, "application/json");
  if (r && r->status / 100 == 2) return true;
  spdlog::info("review webhook: delivery of {} failed: {}", event,
               r ? "HTTP " + std::to_string(r->status) : httplib::to_string(r.error()));
  return false;
}

void Webhook::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    const std::string& event = item.event;
    const std::string& body = item.body;
    lock.unlock();
    auto delay = std::chrono::milliseconds(500);
    bool done = false;
    for (int attempt = 0; attempt < kAttempts && !done; ++attempt) {
      done = deliver(event, body);
      if (done || attempt + 1 == kAttempts) break;
      lock.lock();
      bool stop = cv_.wait_for(lock, delay, [this] { return stopping_; });
      lock.unlock();
      if (stop) return;  // still in the outbox: the next start delivers it
      delay *= 2;
    }
    if (!done) spdlog::warn("review webhook: {} dropped after {} attempts", event, kAttempts);
    forget(item.id);
    lock.lock();
  }
}

}  // namespace gh::review
