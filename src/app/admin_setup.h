#pragma once

// Wiring of the admin HTTP API for `serve` (admin.listen set): its authenticator, router
// and server, and the readiness check behind /readyz.

#include <asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "admin/bearer_auth.h"
#include "admin/router.h"
#include "admin/server.h"
#include "audit/writer.h"
#include "common/status.h"
#include "config/config.h"
#include "identity/authenticator.h"
#include "pg/session/gateway.h"

namespace gh::app {

// What /readyz reports: not ready until the proxy listens, nor once shutdown begins, nor
// while an io thread's audit stream cannot be written (asked on that thread, which owns
// the writer) or an io thread does not answer within a second.
class Readiness {
 public:
  Readiness(std::vector<audit::StreamWriter*> writers, std::vector<asio::any_io_executor> io)
      : writers_(std::move(writers)), io_(std::move(io)) {}
  void set_listening() { listening_.store(true); }
  void set_stopping() { stopping_.store(true); }
  std::string why_not_ready() const;  // "" when ready

 private:
  std::vector<audit::StreamWriter*> writers_;  // by io thread
  std::vector<asio::any_io_executor> io_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
};

struct AdminApi {
  std::unique_ptr<Readiness> readiness;
  std::unique_ptr<admin::BearerAuthenticator> auth;
  std::unique_ptr<admin::Router> router;
  std::unique_ptr<admin::AdminServer> server;  // bound, not yet serving
};

// Builds and binds the admin API (an error if the address cannot be used). `tokens` may be
// null. Call server->start() once the proxy listens.
Result<AdminApi> bind_admin_api(const config::Config& cfg, pg::Gateway& gw,
                                identity::TokenAuthenticator* tokens,
                                std::vector<audit::StreamWriter*> writers,
                                std::vector<asio::any_io_executor> io);

}  // namespace gh::app
