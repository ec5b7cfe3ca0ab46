#pragma once

// Wiring of identity and backend credentials for `serve`: the token authenticator of the
// configured issuers, one ephemeral-role manager per connection in ephemeral mode (with the
// sweeper), and the watcher that ends the sessions of revoked API keys.

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "audit/writer.h"
#include "common/status.h"
#include "config/config.h"
#include "credentials/role_manager.h"
#include "identity/authenticator.h"
#include "pg/session/gateway.h"

namespace gh::app {

// nullptr (and Ok) when no issuer is configured.
Result<std::unique_ptr<identity::TokenAuthenticator>> make_authenticator(
    const config::Config& cfg);

// This deployment's id (lowercase hex), kept in <data_dir>/instance-id; created on first
// use. It prefixes the names of the ephemeral roles this deployment creates.
Result<std::string> load_instance_id(const std::string& data_dir);

struct RoleManagers {
  std::vector<std::unique_ptr<credentials::RoleManager>> managers;
  std::vector<std::string> connections;  // parallel to managers
  void stop() {
    for (auto& m : managers) m->stop();
  }
};

// Starts a manager for each ephemeral connection, registers it with the gateway, and sweeps
// the roles a previous run left behind. Sweeper drops are recorded as credential.revoked
// on `writer` (appended on `writer_ex`, the io thread that owns it).
Result<RoleManagers> start_role_managers(const config::Config& cfg, pg::Gateway& gw,
                                         const std::string& instance_id,
                                         audit::StreamWriter* writer,
                                         asio::any_io_executor writer_ex);

// Every `interval` (on `main`), re-reads the API keys and ends the live sessions of those
// revoked. Runs until `main` stops.
void watch_revoked_keys(asio::io_context& main, pg::Gateway& gw);

// Sweeps every role manager's leftovers periodically (live roles are kept).
void sweep_periodically(asio::io_context& main, RoleManagers& roles, audit::StreamWriter* writer,
                        asio::any_io_executor writer_ex);

}  // namespace gh::app

namespace gh::app {

// A clean stop: ends every live session with 57P01 ("gatehouse is shutting down"), waits up
// to `timeout` for them to close, for their ephemeral roles to be dropped and for those
// drops to be recorded, so that a SIGTERM leaves no role behind. The io threads must still
// be running.
void drain_for_shutdown(pg::Gateway& gw, RoleManagers& roles,
                        const std::vector<asio::any_io_executor>& executors,
                        std::chrono::milliseconds timeout);

}  // namespace gh::app
