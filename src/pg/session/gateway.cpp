#include "pg/session/gateway.h"

#include <asio/post.hpp>

#include "net/io_threads.h"
#include "pg/session/client_session.h"

namespace gh::pg {

Result<std::unique_ptr<Gateway>> Gateway::create(std::shared_ptr<const config::Config> cfg,
                                                 std::shared_ptr<store::StateStore> store) {
  auto g = std::unique_ptr<Gateway>(new Gateway());
  g->config_ = std::move(cfg);
  g->store_ = std::move(store);
  const config::Config& c = *g->config_;
  if (c.tls) {
    auto ctx = net::make_server_tls(c.tls->cert_file, c.tls->key_file);
    if (!ctx.ok()) return ctx.status();
    g->client_tls_ = std::move(ctx.value());
  }
  for (const auto& conn : c.connections) {
    if (conn.tls.mode == config::BackendTlsMode::kDisable) continue;
    std::string ca = conn.tls.mode == config::BackendTlsMode::kVerifyFull ? conn.tls.ca_file : "";
    auto ctx = net::make_client_tls(ca);
    if (!ctx.ok())
      return Status::Invalid("connection " + conn.name + ": " + ctx.status().message());
    g->backend_tls_.emplace(conn.name, std::move(ctx.value()));
  }
  return g;
}

audit::StreamWriter* Gateway::audit_writer() const {
  int i = net::IoThreads::current_index();
  if (i < 0 || static_cast<size_t>(i) >= audit_writers_.size()) return nullptr;
  return audit_writers_[static_cast<size_t>(i)];
}

GroupCommit* Gateway::group_commit() const {
  int i = net::IoThreads::current_index();
  if (i < 0 || static_cast<size_t>(i) >= group_commits_.size()) return nullptr;
  return group_commits_[static_cast<size_t>(i)].get();
}

SSL_CTX* Gateway::backend_tls(const config::Connection& c) const {
  auto it = backend_tls_.find(c.name);
  return it == backend_tls_.end() ? nullptr : it->second.get();
}

credentials::RoleManager* Gateway::role_manager(const std::string& connection) const {
  auto it = role_managers_.find(connection);
  return it == role_managers_.end() ? nullptr : it->second;
}

void Gateway::set_io_executors(std::vector<asio::any_io_executor> executors) {
  io_executors_ = std::move(executors);
  live_sessions_.assign(io_executors_.size(), {});
  analyzers_.clear();
  for (size_t i = 0; i < io_executors_.size(); ++i)
    analyzers_.push_back(std::make_unique<sql::Analyzer>());
}

sql::Analyzer* Gateway::analyzer() const {
  int i = net::IoThreads::current_index();
  if (i < 0 || static_cast<size_t>(i) >= analyzers_.size()) return nullptr;
  return analyzers_[static_cast<size_t>(i)].get();
}

void Gateway::register_session(ClientSession* s) {
  int i = net::IoThreads::current_index();
  if (i >= 0 && static_cast<size_t>(i) < live_sessions_.size())
    live_sessions_[static_cast<size_t>(i)].insert(s);
}

void Gateway::unregister_session(ClientSession* s) {
  int i = net::IoThreads::current_index();
  if (i >= 0 && static_cast<size_t>(i) < live_sessions_.size()) {
    live_sessions_[static_cast<size_t>(i)].erase(s);
    return;
  }
  // Outside the io threads (they are stopped: shutdown), no other thread touches the sets.
  for (auto& set : live_sessions_) set.erase(s);
}

void Gateway::for_each_session(std::function<void(ClientSession&)> fn) {
  auto shared = std::make_shared<std::function<void(ClientSession&)>>(std::move(fn));
  for (size_t i = 0; i < io_executors_.size(); ++i) {
    asio::post(io_executors_[i], [this, i, shared] {
      // Copy: `fn` may end sessions, which unregister themselves.
      std::vector<ClientSession*> sessions(live_sessions_[i].begin(), live_sessions_[i].end());
      for (ClientSession* s : sessions)
        if (live_sessions_[i].count(s) != 0) (*shared)(*s);
    });
  }
}

}  // namespace gh::pg
