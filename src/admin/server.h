#pragma once

// The admin API's HTTP(S) listener: cpp-httplib on a thread of its own with a small worker
// pool, never on the proxy's io threads. Each request is converted to an HttpRequest and
// answered by the Router; httplib's own refusals (malformed request, URI or body too
// large) get the same JSON error shape.

#include <memory>
#include <thread>

#include "admin/router.h"
#include "common/status.h"
#include "config/config.h"

namespace httplib {
class Server;
}

namespace gh::admin {

class AdminServer {
 public:
  static constexpr int kWorkerThreads = 4;
  static constexpr size_t kMaxBodyBytes = size_t{1} << 20;
  static constexpr size_t kMaxPathBytes = 2048;

  // Binds now, so an address in use fails the start; Invalid if the TLS certificate or key
  // cannot be loaded. `router` must outlive the server.
  static Result<std::unique_ptr<AdminServer>> bind(const config::AdminConfig& cfg,
                                                   Router& router);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void start();  // serves from a new thread
  void stop();   // stops accepting, finishes requests in flight, joins; idempotent
  int port() const { return port_; }

 private:
  AdminServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  int port_;
  std::thread thread_;
};

}  // namespace gh::admin
