#pragma once

// What every session shares: the config, the state store, TLS contexts, the cancel
// registry and counters. Built once at startup; read-only afterwards except for the
// atomics and the registry.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/histogram.h"
#include "audit/writer.h"
#include "config/config.h"
#include "credentials/role_manager.h"
#include "identity/authenticator.h"
#include "net/tls_context.h"
#include "pg/session/cancel_registry.h"
#include "pg/session/group_commit.h"
#include "pg/session/guardrails.h"
#include "pg/session/masking_state.h"
#include "review/review_book.h"
#include "sql/analyzer.h"
#include "store/state_store.h"

namespace gh::pg {

class ClientSession;

struct GatewayCounters {
  std::atomic<uint64_t> sessions_total{0};
  std::atomic<int64_t> sessions_active{0};
  std::atomic<uint64_t> auth_failures{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> backend_connect_failures{0};
  std::atomic<uint64_t> backend_lost{0};
  std::atomic<uint64_t> cancels_forwarded{0};
  std::atomic<uint64_t> audit_refusals{0};  // statements or logins refused: audit unwritable
  std::atomic<uint64_t> access_denied{0};   // logins without a matching access rule
  std::atomic<uint64_t> sessions_terminated{
      0};  // ended by gatehouse: key revoked, expiry, max_session, shutdown
  std::atomic<uint64_t> ephemeral_roles_created{0};
  std::atomic<uint64_t> ephemeral_roles_dropped{0};
  std::atomic<uint64_t> ephemeral_role_failures{0};
  // Masking: values rewritten in result rows (and COPY rows), results that had any, catalog
  // reads for column rules and the ones that failed.
  std::atomic<uint64_t> masked_values{0};
  std::atomic<uint64_t> masked_results{0};
  std::atomic<uint64_t> mask_catalog_reads{0};
  std::atomic<uint64_t> mask_catalog_failures{0};
  // Guardrails decisions on statements (a held statement counts once, when decided), the
  // statements held for review now, and review requests decided with their total wait.
  std::atomic<uint64_t> statements_allowed{0};
  std::atomic<uint64_t> statements_blocked{0};
  std::atomic<uint64_t> statements_reviewed{0};  // refused or held for review
  std::atomic<int64_t> statements_held{0};
  std::atomic<uint64_t> reviews_decided{0};
  // From a review request to its decision.
  static constexpr double kReviewWaitBounds[] = {1, 5, 15, 30, 60, 300, 900, 3600, 14400};
  Histogram review_wait_seconds{kReviewWaitBounds};
};

class Gateway {
 public:
  // Builds the TLS contexts; Invalid with a clear message if a certificate is unusable.
  static Result<std::unique_ptr<Gateway>> create(std::shared_ptr<const config::Config> cfg,
                                                 std::shared_ptr<store::StateStore> store);

  const config::Config& config() const { return *config_; }
  store::StateStore& store() { return *store_; }
  SSL_CTX* client_tls() const { return client_tls_.get(); }
  // The TLS context for a backend connection (nullptr when its mode is disable).
  SSL_CTX* backend_tls(const config::Connection& c) const;
  CancelRegistry& cancels() { return cancels_; }
  // One audit stream per io thread, indexed by IoThreads::current_index().
  // `executors[i]` is io thread i's executor (for its group commit).
  void set_audit_writers(std::vector<audit::StreamWriter*> writers,
                         const std::vector<asio::any_io_executor>& executors) {
    audit_writers_ = std::move(writers);
    group_commits_.clear();
    for (size_t i = 0; i < audit_writers_.size(); ++i)
      group_commits_.push_back(std::make_unique<GroupCommit>(*audit_writers_[i], executors[i]));
  }
  // The calling io thread's group commit (nullptr outside io threads or without audit).
  GroupCommit* group_commit() const;
  // The calling io thread's audit stream (nullptr outside io threads or without audit).
  audit::StreamWriter* audit_writer() const;
  GatewayCounters& counters() { return counters_; }

  // OIDC token verification (nullptr when no issuer is configured). Not owned.
  void set_authenticator(identity::TokenAuthenticator* a) { authenticator_ = a; }
  identity::TokenAuthenticator* authenticator() const { return authenticator_; }
  // The ephemeral-role manager of each connection in ephemeral mode. Not owned.
  void set_role_manager(const std::string& connection, credentials::RoleManager* m) {
    role_managers_[connection] = m;
  }
  credentials::RoleManager* role_manager(const std::string& connection) const;

  // The guardrails policy in force (empty: every statement is allowed).
  PolicyHolder& policy() { return policy_; }
  // The masking rules and the catalogs resolved for them.
  MaskingState& masking() { return masking_; }
  // Review requests (ticket mode); taken only when the admin API can approve them.
  review::ReviewBook& reviews() { return reviews_; }
  bool takes_reviews() const { return config_->admin.has_value(); }
  // The calling io thread's SQL analyzer (nullptr outside io threads).
  sql::Analyzer* analyzer() const;

  // Live sessions per io thread, so that identity changes (a revoked API key) can end them.
  // Each set is touched only by its own io thread.
  void set_io_executors(std::vector<asio::any_io_executor> executors);
  void register_session(ClientSession* s);
  void unregister_session(ClientSession* s);
  // Runs `fn` on every io thread for each of its live sessions (posted; returns at once).
  void for_each_session(std::function<void(ClientSession&)> fn);

 private:
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<store::StateStore> store_;
  net::SslCtxPtr client_tls_;
  std::unordered_map<std::string, net::SslCtxPtr> backend_tls_;  // by connection name
  CancelRegistry cancels_;
  GatewayCounters counters_;
  std::vector<audit::StreamWriter*> audit_writers_;
  std::vector<std::unique_ptr<GroupCommit>> group_commits_;
  identity::TokenAuthenticator* authenticator_ = nullptr;
  std::unordered_map<std::string, credentials::RoleManager*> role_managers_;
  std::vector<asio::any_io_executor> io_executors_;
  std::vector<std::unordered_set<ClientSession*>> live_sessions_;  // by io thread
  PolicyHolder policy_;
  MaskingState masking_;
  review::ReviewBook reviews_;
  std::vector<std::unique_ptr<sql::Analyzer>> analyzers_;  // by io thread
};

}  // namespace gh::pg
