#include "review/webhook.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/crypto.h"

namespace gh::review {

Webhook::Webhook(std::string url, std::string secret) : secret_(std::move(secret)) {
  // Split scheme://authority from the path.
  size_t scheme_end = url.find("://");
  size_t path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  base_ = path_start == std::string::npos ? url : url.substr(0, path_start);
  path_ = path_start == std::string::npos ? "/" : url.substr(path_start);
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
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      spdlog::warn("review webhook: {} notifications waiting; dropping the oldest", queue_.size());
      queue_.pop_front();
    }
    queue_.emplace_back(std::move(event), std::move(body));
  }
  cv_.notify_one();
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
    auto [event, body] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    auto delay = std::chrono::milliseconds(500);
    bool done = false;
    for (int attempt = 0; attempt < kAttempts && !done; ++attempt) {
      done = deliver(event, body);
      if (done || attempt + 1 == kAttempts) break;
      lock.lock();
      bool stop = cv_.wait_for(lock, delay, [this] { return stopping_; });
      lock.unlock();
      if (stop) return;
      delay *= 2;
    }
    if (!done) spdlog::warn("review webhook: {} dropped after {} attempts", event, kAttempts);
    lock.lock();
  }
}

}  // namespace gh::review
