#include <signal.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <cstdio>
#include <memory>
#include <optional>

#include "app/admin_setup.h"
#include "app/audit_setup.h"
#include "app/commands.h"
#include "common/clock.h"
#include "review/review_store.h"
#include "app/identity_setup.h"
#include "app/policy_setup.h"
#include "app/options.h"
#include "common/log.h"
#include "config/config.h"
#include "masking/rules.h"
#include "net/io_threads.h"
#include "net/listener.h"
#include "net/no_throw.h"
#include "pg/session/session_recorder.h"
#include "pg/session/client_session.h"
#include "pg/session/gateway.h"
#include "store/state_store.h"

namespace gh::app {

int run_serve(const std::vector<std::string>& args) {
  Options opts(args);
  std::string path = opts.take("--config");
  if (path.empty() || !opts.rest().empty()) {
    std::fputs("usage: gatehouse serve --config FILE\n", stderr);
    return 2;
  }
  auto cfg = config::load_file(path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    return 1;
  }
  auto config = std::make_shared<const config::Config>(std::move(cfg.value()));
  log::init(config->log_level);
  ::signal(SIGPIPE, SIG_IGN);

  auto store = store::open_sqlite_store(config->data_dir);
  if (!store.ok()) {
    spdlog::critical("state store: {}", store.status().message());
    return 1;
  }
  std::shared_ptr<store::StateStore> shared_store(std::move(store.value()));
  auto gw = pg::Gateway::create(config, shared_store);
  if (!gw.ok()) {
    spdlog::critical("{}", gw.status().message());
    return 1;
  }
  pg::Gateway& gateway = *gw.value();

  net::IoThreads threads(config->workers);
  auto audit_streams = open_audit_streams(*config, threads.size(), shared_store);
  if (!audit_streams.ok()) {
    spdlog::critical("{}", audit_streams.status().message());
    return 1;
  }
  std::vector<asio::any_io_executor> executors;
  for (int i = 0; i < threads.size(); ++i) executors.push_back(threads.context(i).get_executor());
  gateway.set_audit_writers(audit_streams->raw(), executors);
  gateway.set_io_executors(executors);

  auto authenticator = make_authenticator(*config);
  if (!authenticator.ok()) {
    spdlog::critical("{}", authenticator.status().message());
    return 1;
  }
  if (authenticator.value()) {
    authenticator.value()->start();
    gateway.set_authenticator(authenticator.value().get());
  }
  auto instance_id = load_instance_id(config->data_dir);
  if (!instance_id.ok()) {
    spdlog::critical("{}", instance_id.status().message());
    return 1;
  }
  auto roles = start_role_managers(*config, gateway, instance_id.value(),
                                   audit_streams->writers[0].get(), executors[0]);
  if (!roles.ok()) {
    spdlog::critical("{}", roles.status().message());
    return 1;
  }
  {
    auto rules = masking::compile_rules(config->masking, config->path);
    if (!rules.ok()) {
      spdlog::critical("masking: {}", rules.status().message());
      return 1;
    }
    if (!rules.value()->empty())
      spdlog::info("masking: {} rules", rules.value()->rules().size());
    gateway.masking().set_rules(std::move(rules.value()));
  }
  record_reviews(gateway, audit_streams->writers[0].get(), executors[0]);
  if (auto restored = review::restore_reviews(gateway.store(), gateway.reviews(), unix_now_ns());
      !restored.ok()) {
    spdlog::critical("review: {}", restored.status().message());
    return 1;
  } else if (restored.value() > 0) {
    spdlog::info("review: {} requests loaded from the state store", restored.value());
  }
  if (Status st = install_policy(*config, gateway, audit_streams->writers[0].get(), executors[0]);
      !st.ok()) {
    spdlog::critical("guardrails: {}", st.message());
    return 1;
  }
  if (config->access.empty())
    spdlog::warn("no access rules are configured: every login will be refused (deny by default)");
  // Each io thread ticks its own audit stream: checkpoints, recovery after a failure.
  for (int i = 0; i < threads.size(); ++i) {
    audit::StreamWriter* w = audit_streams->writers[static_cast<size_t>(i)].get();
    asio::co_spawn(
        threads.context(i),
        [w]() -> asio::awaitable<void> {
          asio::steady_timer t(co_await asio::this_coro::executor);
          while (true) {
            t.expires_after(std::chrono::milliseconds(250));
            auto [ec] = co_await t.async_wait(net::kNoThrow);
            if (ec) co_return;
            w->tick(unix_now_ns());
          }
        },
        asio::detached);
  }
  auto listener = net::Listener::bind(
      threads, config->listen_host, config->listen_port, [&gateway](asio::ip::tcp::socket s) {
        auto exec = s.get_executor();
        auto session = std::make_shared<pg::ClientSession>(gateway, std::move(s));
        asio::co_spawn(exec, session->run(),
                       [session](std::exception_ptr e) {
                         if (e) {
                           try {
                             std::rethrow_exception(e);
                           } catch (const std::exception& ex) {
                             spdlog::error("session ended by internal error: {}", ex.what());
                           }
                         }
                       });
      });
  if (!listener.ok()) {
    spdlog::critical("{}", listener.status().message());
    return 1;
  }
  // Bound before anything runs, so an admin address in use stops the start cleanly.
  std::optional<AdminApi> admin_api;
  if (config->admin) {
    auto api = bind_admin_api(*config, gateway, authenticator.value().get(),
                              audit_streams->raw(), executors);
    if (!api.ok()) {
      spdlog::critical("{}", api.status().message());
      return 1;
    }
    admin_api.emplace(std::move(api.value()));
  }
  threads.start();
  listener.value()->start();
  spdlog::info("gatehouse listening on {}:{} ({} io threads, {} connections, config {})",
               config->listen_host, listener.value()->port(), threads.size(),
               config->connections.size(), config->path);
  if (admin_api) {
    admin_api->server->start();
    admin_api->readiness->set_listening();
    spdlog::info("admin API listening on {}:{}{}", config->admin->host,
                 admin_api->server->port(), config->admin->tls ? " (TLS)" : "");
  }

  asio::io_context main_ctx(1);
  asio::signal_set signals(main_ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int sig) {
    spdlog::info("signal {}: shutting down", sig);
    if (admin_api) admin_api->readiness->set_stopping();
    listener.value()->close();
    main_ctx.stop();
  });
  watch_revoked_keys(main_ctx, gateway);
  reload_policy_on_sighup(main_ctx, config->path, gateway, audit_streams->writers[0].get(),
                          executors[0]);
  sweep_periodically(main_ctx, roles.value(), audit_streams->writers[0].get(), executors[0]);
  main_ctx.run();
  drain_for_shutdown(gateway, roles.value(), executors, std::chrono::seconds(5));
  // Before the io threads stop: /readyz asks them about their audit streams.
  if (admin_api) admin_api->server->stop();
  threads.stop();
  roles.value().stop();
  if (authenticator.value()) authenticator.value()->stop();
  for (auto& w : audit_streams->writers) {
    Status st = w->close();
    if (!st.ok()) spdlog::error("audit: closing stream: {}", st.message());
  }
  spdlog::info("gatehouse stopped");
  return 0;
}

}  // namespace gh::app
