#pragma once

// A real identity provider for tests: cpp-httplib serving discovery and a JWKS on
// 127.0.0.1 (ephemeral port) from a thread, with per-path hit counters, switchable
// documents, an optional delay, and a listener that accepts and never answers.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace gh::identity::test {

class TestIdp {
 public:
  struct Route {
    Route(int s, std::string b, std::string type = "application/json", std::string loc = "")
        : status(s), body(std::move(b)), content_type(std::move(type)), location(std::move(loc)) {}
    int status;
    std::string body;
    std::string content_type;
    std::string location;  // for redirects
  };

  TestIdp() : TestIdp(std::make_unique<httplib::Server>()) {}
  explicit TestIdp(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->Get(R"(/.*)",
                 [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("test idp: bind failed");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait until it is.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::string scheme = dynamic_cast<httplib::SSLServer*>(server_.get()) ? "https" : "http";
    url_ = scheme + "://127.0.0.1:" + std::to_string(port_);
    set(kDiscoveryPath, {200, discovery_json(url_, url_ + "/jwks")});
  }
  ~TestIdp() { stop(); }

  static constexpr char kDiscoveryPath[] = "/.well-known/openid-configuration";

  static std::string discovery_json(const std::string& issuer, const std::string& jwks_uri) {
    return R"({"issuer":")" + issuer + R"(","jwks_uri":")" + jwks_uri +
           R"(","id_token_signing_alg_values_supported":["ES256"]})";
  }

  const std::string& url() const { return url_; }
  int port() const { return port_; }

  void set(const std::string& path, Route r) {
    std::lock_guard lk(mu_);
    routes_.insert_or_assign(path, std::move(r));
  }
  void set_jwks(std::string body) { set("/jwks", {200, std::move(body)}); }
  int hits(const std::string& path) const {
    std::lock_guard lk(mu_);
    auto it = hits_.find(path);
    return it == hits_.end() ? 0 : it->second;
  }
  // Every later request waits this long (or until stop()) before it is answered.
  void set_delay(std::chrono::milliseconds d) {
    std::lock_guard lk(mu_);
    delay_ = d;
  }

  // The provider goes down: its port refuses connections from now on.
  void stop() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

 private:
  void serve(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lk(mu_);
    ++hits_[req.path];
    ++host_headers_[req.get_header_value_count("Host")];
    if (delay_.count() > 0) cv_.wait_for(lk, delay_, [this] { return stopping_; });
    auto it = routes_.find(req.path);
    if (it == routes_.end()) {
      res.status = 404;
      res.set_content("no such test route", "text/plain");
      return;
    }
    res.status = it->second.status;
    if (!it->second.location.empty()) res.set_header("Location", it->second.location);
    res.set_content(it->second.body, it->second.content_type.c_str());
  }

 public:
  // How many requests arrived with N Host headers (must all be 1).
  std::map<size_t, int> host_headers() const {
    std::lock_guard lk(mu_);
    return host_headers_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::string url_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::chrono::milliseconds delay_{0};
  std::map<std::string, Route> routes_;
  std::map<std::string, int> hits_;
  std::map<size_t, int> host_headers_;
};

// A TCP listener that completes handshakes (the kernel does) and never reads or answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("silent server: socket setup failed");
    }
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
inline int closed_port() {
  SilentServer s;
  return s.port();
}

}  // namespace gh::identity::test
