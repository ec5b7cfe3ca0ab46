#pragma once

// The guardrails hook: every statement is analyzed (sql/, cached per io thread) and judged by
// the policy (policy/) before it is forwarded. SQL that cannot be parsed is refused (42601)
// even without rules: fail closed. A block or review refuses it with 42501 naming
// the rule; until approvals exist a review is a refusal that says approval is required.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "identity/principal.h"
#include "pg/session/statement_hooks.h"

namespace gh::pg {
struct GatewayCounters;
}
#include "config/config.h"
#include "policy/policy.h"
#include "review/review_book.h"
#include "policy/prepared_statements.h"
#include "sql/analyzer.h"

namespace gh::pg {

// The policy in force, swapped by a reload; sessions pick up a new one at their next
// statement. The version check is one relaxed atomic load per statement.
class PolicyHolder {
 public:
  // `config_hash`: the config file the policy was loaded from, for the admin API.
  void set(std::shared_ptr<const policy::Policy> p, std::string config_hash = {});
  // The policy in force and its config hash (any thread; takes the lock).
  std::pair<std::shared_ptr<const policy::Policy>, std::string> current() const;
  // `cached` is refreshed when a new policy was set since `version` was taken.
  void refresh(std::shared_ptr<const policy::Policy>& cached, uint64_t& version) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const policy::Policy> policy_;
  std::string config_hash_;
  std::atomic<uint64_t> version_{0};
};

// Cost conditions: a statement a review or block rule with `estimated_rows`/`estimated_cost`
// waits on is EXPLAINed on the session's own server connection first (Verdict::
// estimates_needed); in the extended protocol at its Execute, with the bound values. If the
// EXPLAIN fails the statement is refused with the server's error. Estimates of at most
// kCacheableRows rows (point lookups) are kept per session for kEstimateTtlNs, keyed by the
// statement's literal shape (the text, with $n parameters), so a stream of key lookups is
// EXPLAINed once, not once per statement. Larger estimates are never reused: another value in
// the same shape (`id < $1`) can select far more rows. Which statements of a message need an
// estimate, and their shapes, are worked out once per analyzed message (EstimatePlan): a
// prepared statement executed again, or a text of a shape seen before, shares its facts.
class Guardrails final : public StatementHooks {
 public:
  static constexpr double kCacheableRows = 1;
  static constexpr int64_t kEstimateTtlNs = int64_t{60} * 1'000'000'000;
  static constexpr size_t kEstimateCacheEntries = 256;

  Guardrails(const PolicyHolder& holder, sql::Analyzer& analyzer,
             const identity::Principal& principal, std::string connection);

  Verdict on_statement(const StatementStart& s) override;
  // The session's masking, for the `copies_masked_data` condition (null: no masking applies).
  void set_masked(const policy::MaskedData* masked) { masked_ = masked; }
  void set_counters(GatewayCounters* c) { counters_ = c; }
  // Review tickets (review.mode: ticket): a `review` decision files a request in `book` and
  // refuses with its id; once approved, the same principal's identical statement (text and
  // bound values) passes once within cfg.approval_ttl. Null: a review is a plain refusal.
  // `admin`: the admin API's listener, for where to decide when review.url is not set.
  void set_reviews(review::ReviewBook* book, const config::ReviewConfig* cfg,
                   std::string session_id,
                   const std::optional<config::AdminConfig>* admin = nullptr) {
    reviews_ = book;
    review_cfg_ = cfg;
    admin_ = admin;
    session_id_ = std::move(session_id);
  }
  void on_statement_closed(std::string_view name) override { prepared_.forget(name); }

 private:
  // For the message judged last: which top-level statements need an estimate (bit i:
  // statement i) and the keys their estimates are cached under, by statement index. Valid for
  // these facts (kept alive here, so the address cannot be reused), this policy and these
  // SQL-level prepared statements.
  struct EstimatePlan {
    std::shared_ptr<const sql::AnalyzedSql> facts;
    uint64_t policy_version = 0;
    uint64_t prepared_generation = 0;
    uint64_t need = 0;
    std::vector<std::string> keys;
  };

  Verdict decide(const StatementStart& s);
  Verdict judge(const StatementStart& s, const std::shared_ptr<const sql::AnalyzedSql>& analyzed);
  const EstimatePlan& estimate_plan(const std::shared_ptr<const sql::AnalyzedSql>& analyzed,
                                    std::string_view sql, const policy::Subject& subject);
  // A review decision in ticket mode, and in hold mode (guardrails_review.cpp).
  Verdict ticket(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                 const policy::Decision& d, Verdict refused);
  Verdict hold(const StatementStart& s, const sql::AnalyzedSql& analyzed,
               const policy::Decision& d, Verdict refused);
  // Files a review request for the statement (`held`: hold mode); returns it.
  review::Request file_review(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                              const policy::Decision& d, std::string key, int64_t now,
                              bool held = false);
  // Fills pending_estimates_ for the statements the plan names, from the cache or from
  // s.estimates; returns a verdict to give instead (ask for estimates, or refuse) if any.
  std::optional<Verdict> gather_estimates(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                                          const EstimatePlan& plan, std::string& note);

  const PolicyHolder& holder_;
  sql::Analyzer& analyzer_;
  const identity::Principal& principal_;
  std::string connection_;
  std::shared_ptr<const policy::Policy> policy_;
  uint64_t version_ = UINT64_MAX;
  policy::PreparedStatements prepared_;  // SQL-level PREPARE, for EXECUTE
  const policy::MaskedData* masked_ = nullptr;
  GatewayCounters* counters_ = nullptr;
  review::ReviewBook* reviews_ = nullptr;
  const config::ReviewConfig* review_cfg_ = nullptr;
  const std::optional<config::AdminConfig>* admin_ = nullptr;
  std::string session_id_;
  std::string held_id_;  // hold mode: the request the statement being offered waits for
  // An approver approved the statement being offered with an edit: `sql` runs in its place
  // once judged on its own (it must be allowed outright: no review of its own).
  struct ApprovedEdit {
    std::string review_id;
    std::string approved_by;
    std::string original;
    std::string sql;
  };
  std::optional<ApprovedEdit> edit_;
  // The approved request `r` lets statement `s` run: as it is, or as the approver edited it.
  Verdict approved(const StatementStart& s, const sql::AnalyzedSql& analyzed,
                   const review::Request& r, Verdict v);

  struct CachedEstimate {
    policy::CostEstimate estimate;
    std::string note;  // "rows=… cost=…", for the record
    int64_t expires_ns = 0;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // By literal shape; looked up by string_view (no allocation per statement).
  std::unordered_map<std::string, CachedEstimate, KeyHash, std::equal_to<>> estimate_cache_;
  EstimatePlan plan_;
  // Between asking for estimates and being asked again: by statement index, the estimates
  // known so far and their notes for the record, and which statements were sent to EXPLAIN
  // (in order).
  std::vector<std::optional<policy::CostEstimate>> pending_estimates_;
  std::vector<std::string> pending_notes_;
  std::vector<bool> from_cache_;  // by statement index: the estimate was a cached one
  std::vector<uint32_t> asked_;
};

// Whether an approver's edit `sql` of review request `r` may run in its place: it must parse
// and be allowed outright for the requester (neither blocked nor in need of review), and the
// request must be a simple Query (an extended-protocol statement's parameters and result shape
// belong to its text). Returns why not, or "". Cost conditions cannot be judged here: the
// session judges the edit again, with the planner's estimates, before it runs. `analyzer` is
// the caller's, used by one thread at a time.
std::string check_review_edit(const PolicyHolder& holder, sql::Analyzer& analyzer,
                              const review::Request& r, std::string_view sql);

}  // namespace gh::pg
