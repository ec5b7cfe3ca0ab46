#include "pg/session/guardrails.h"

#include "pg/session/gateway.h"

#include <charconv>

#include "common/clock.h"
#include "sql/literal_shape.h"

namespace gh::pg {

void PolicyHolder::set(std::shared_ptr<const policy::Policy> p, std::string config_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = std::move(p);
  config_hash_ = std::move(config_hash);
  version_.fetch_add(1, std::memory_order_release);
}

std::pair<std::shared_ptr<const policy::Policy>, std::string> PolicyHolder::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {policy_, config_hash_};
}

void PolicyHolder::refresh(std::shared_ptr<const policy::Policy>& cached, uint64_t& version) const {
  uint64_t now = version_.load(std::memory_order_acquire);
  if (now == version) return;
  std::lock_guard<std::mutex> lock(mu_);
  cached = policy_;
  version = version_.load(std::memory_order_relaxed);
}

Guardrails::Guardrails(const PolicyHolder& holder, sql::Analyzer& analyzer,
                       const identity::Principal& principal, std::string connection)
    : holder_(holder),
      analyzer_(analyzer),
      principal_(principal),
      connection_(std::move(connection)) {
  judges_parse = true;
  wants_parameters = true;  // a cost rule EXPLAINs an Execute with its bound values
}

namespace {

// The text of top-level statement `f` of `sql` (length 0: the whole text).
std::string_view statement_text(std::string_view sql, const sql::StatementFacts& f) {
  if (f.text_length == 0 || f.text_offset >= sql.size()) return sql;
  return sql.substr(f.text_offset, f.text_length);
}

void append_number(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec == std::errc()) out.append(buf, end);
}

}  // namespace

Verdict Guardrails::on_statement(const StatementStart& s) {
  Verdict v = decide(s);
  if (!v.estimates_needed.empty() || !v.hold_review.empty() || !v.run_sql.empty()) return v;
  if (edit_ && s.sql == edit_->sql) {
    // The approver's edit, judged: it runs as approved, or not at all.
    if (v.allow) {
      if (!v.rules.empty()) v.rules += ",";
      v.rules += "review:" + edit_->review_id + ":approved-by:" + edit_->approved_by + ":edited";
    } else {
      v.message = "review request " + edit_->review_id + " was approved with an edited " +
                  "statement, which was not run: " + v.message;
    }
    edit_.reset();
  }
  if (counters_ == nullptr || (s.at_parse && v.allow))
    return v;  // not a decision yet (or counted at its Execute)
  auto& c = v.allow                                        ? counters_->statements_allowed
            : v.decision != nullptr && v.decision == std::string_view("review")
                ? counters_->statements_reviewed
                : counters_->statements_blocked;
  c.fetch_add(1, std::memory_order_relaxed);
  return v;
}

Verdict Guardrails::decide(const StatementStart& s) {
  holder_.refresh(policy_, version_);
  if (edit_ && !s.at_parse) {
    if (s.sql == edit_->original) {
      // Offered again after the edit's estimates were asked for: the edit, again.
      Verdict instead;
      instead.run_sql = edit_->sql;
      return instead;
    }
    if (s.sql != edit_->sql) edit_.reset();
  }
  if (s.prejudged) {
    // Judged at its Parse, where no parameter values are known yet; only a cost rule can
    // still change that decision, with the values bound now.
    if (policy_ == nullptr || !policy_->has_cost_rules()) return Verdict::Allow();
    std::shared_ptr<const sql::AnalyzedSql> analyzed = analyzer_.analyze_shared(s.sql);
    if (!analyzed->parsed()) return Verdict::Allow();  // refused at its Parse; not reached
    return judge(s, analyzed);
  }
  std::shared_ptr<const sql::AnalyzedSql> analyzed = analyzer_.analyze_shared(s.sql);
  // Fail closed, with or without rules: what gatehouse cannot parse it cannot judge or
  // record faithfully, so it is not run. 42601, as the server would say for bad syntax.
  if (!analyzed->parsed()) {
    const sql::UnparseableFacts& e = analyzed->statements.front().error;
    Verdict v = Verdict::Refuse("42601",
                                "gatehouse could not parse this statement, so it was "
                                "not run: " +
                                    e.message);
    if (e.cursor_position > 0)
      v.message += " (at character " + std::to_string(e.cursor_position) + ")";
    v.decision = "block";
    v.rules = "gatehouse/unparseable:block";
    return v;
  }
  if (policy_ == nullptr || policy_->rules().empty()) return Verdict::Allow();
  return judge(s, analyzed);
}

const Guardrails::EstimatePlan& Guardrails::estimate_plan(
    const std::shared_ptr<const sql::AnalyzedSql>& analyzed, std::string_view sql,
    const policy::Subject& subject) {
  // Texts that share these facts (the same prepared statement, or texts of one literal shape)
  // have the same statements, the same shapes, and so the same plan.
  if (plan_.facts == analyzed && plan_.policy_version == version_ &&
      plan_.prepared_generation == prepared_.generation())
    return plan_;
  plan_.facts = analyzed;
  plan_.policy_version = version_;
  plan_.prepared_generation = prepared_.generation();
  const auto& stmts = analyzed->statements;
  plan_.need = policy_->estimates_needed(stmts, subject, &prepared_);
  plan_.keys.resize(stmts.size());
  std::string shape;
  for (uint32_t i = 0; i < stmts.size() && i < 64; ++i) {
    if ((plan_.need & (uint64_t{1} << i)) == 0) continue;
    const std::string_view text = statement_text(sql, stmts[i]);
    plan_.keys[i].assign(sql::literal_shape(text, shape) > 0 ? std::string_view(shape) : text);
  }
  return plan_;
}

std::optional<Verdict> Guardrails::gather_estimates(const StatementStart& s,
                                                    const sql::AnalyzedSql& analyzed,
                                                    const EstimatePlan& plan, std::string& note) {
  const int64_t now = steady_now_ns();
  const auto& stmts = analyzed.statements;
  if (s.estimates.empty()) {
    pending_estimates_.assign(stmts.size(), std::nullopt);
    pending_notes_.resize(stmts.size());
    from_cache_.assign(stmts.size(), false);
    asked_.clear();
    Verdict ask;
    for (uint32_t i = 0; i < stmts.size() && i < 64; ++i) {
      if ((plan.need & (uint64_t{1} << i)) == 0) continue;
      auto it = estimate_cache_.find(std::string_view(plan.keys[i]));
      if (it != estimate_cache_.end() && it->second.expires_ns >= now) {
        pending_estimates_[i] = it->second.estimate;
        pending_notes_[i] = it->second.note;
        from_cache_[i] = true;
      } else {
        ask.estimates_needed.push_back(statement_text(s.sql, stmts[i]));
        asked_.push_back(i);
      }
    }
    if (!ask.estimates_needed.empty()) return ask;
  } else {
    if (pending_estimates_.size() != stmts.size() || s.estimates.size() != asked_.size()) {
      return Verdict::Refuse("XX000", "gatehouse lost track of the estimates it asked for");
    }
    for (size_t k = 0; k < asked_.size(); ++k) {
      const PlanEstimate& e = s.estimates[k];
      if (!e.ok) {
        Verdict v;
        v.allow = false;
        // The server's SQLSTATE: the statement would most likely have failed so itself.
        // PlanEstimate::sqlstate views a NUL-terminated string that outlives this call.
        v.sqlstate = e.sqlstate.empty() ? "XX000" : e.sqlstate.data();
        v.message =
            "a guardrail needs the planner's estimate for this statement and EXPLAIN "
            "failed, so it was not run: " +
            std::string(e.error);
        v.decision = "block";
        v.rules = "gatehouse/estimate-failed:block";
        return v;
      }
      const uint32_t i = asked_[k];
      const policy::CostEstimate c{e.rows, e.total_cost};
      pending_estimates_[i] = c;
      std::string& n = pending_notes_[i];
      n.assign("rows=");
      append_number(n, c.rows);
      n.append(" cost=");
      append_number(n, c.total_cost);
      // Only point lookups: another value in the same shape could select far more rows.
      if (c.rows <= kCacheableRows) {
        if (estimate_cache_.size() >= kEstimateCacheEntries) estimate_cache_.clear();
        estimate_cache_[plan.keys[i]] = CachedEstimate{c, n, now + kEstimateTtlNs};
      }
    }
  }
  for (uint32_t i = 0; i < pending_estimates_.size(); ++i) {
    if (!pending_estimates_[i]) continue;
    if (!note.empty()) note += "; ";
    if (stmts.size() > 1) note.append(std::to_string(i + 1)).append(": ");
    note += pending_notes_[i];
    if (from_cache_[i]) note += " (cached)";
  }
  return std::nullopt;
}

Verdict Guardrails::judge(const StatementStart& s,
                          const std::shared_ptr<const sql::AnalyzedSql>& facts) {
  const sql::AnalyzedSql& analyzed = *facts;
  policy::Subject subject{&principal_, connection_};
  policy::DecideContext ctx;
  ctx.prepared = &prepared_;
  ctx.masked = masked_;
  std::string estimate_note;
  // At a Parse there are no parameter values to EXPLAIN with: cost rules wait for the Execute.
  if (!s.at_parse && policy_->has_cost_rules()) {
    const EstimatePlan& plan = estimate_plan(facts, s.sql, subject);
    if (plan.need != 0) {
      if (auto instead = gather_estimates(s, analyzed, plan, estimate_note)) return *instead;
      ctx.estimates = pending_estimates_;
    }
  }
  policy::Decision d = policy_->decide(analyzed.statements, subject, ctx);
  // A held statement offered again that no longer needs review (a policy reload): forget it.
  if (d.action != policy::Action::kReview) held_id_.clear();
  Verdict v;
  v.estimate = std::move(estimate_note);
  for (const policy::RuleMatch& m : d.matched) {
    if (!v.rules.empty()) v.rules += ",";
    v.rules.append(m.rule->name).append(":").append(m.label());
  }
  if (d.allowed()) {
    if (s.at_parse) {
      // A named protocol-level statement shares SQL PREPARE's namespace: `EXECUTE name` in
      // SQL runs it and is judged by it.
      if (!s.statement_name.empty() && analyzed.statements.size() == 1) {
        prepared_.remember(
            std::string(s.statement_name),
            std::shared_ptr<const sql::StatementFacts>(facts, &facts->statements[0]));
      }
    } else if (!s.prejudged) {
      prepared_.apply(analyzed.statements);
    }
    return v;
  }
  v.allow = false;
  v.sqlstate = "42501";
  if (d.action == policy::Action::kReview) {
    v.decision = "review";
    if (edit_ && s.sql == edit_->sql) {
      v.message = "it needs approval itself (guardrail \"" + d.rule->name + "\": " +
                  std::string(d.message()) + ")";
      return v;
    }
    if (reviews_ != nullptr) {
      if (s.at_parse) {
        // The ticket names the bound values: judge again at each Execute.
        Verdict later;
        later.judge_at_execute = true;
        return later;
      }
      if (review_cfg_->mode == "hold") return hold(s, analyzed, d, std::move(v));
      return ticket(s, analyzed, d, std::move(v));
    }
    v.message = "statement requires approval (guardrail \"" + d.rule->name +
                "\"): " + std::string(d.message()) +
                "; gatehouse cannot take approvals yet, so it was not run";
  } else {
    v.decision = "block";
    v.message = "blocked by guardrail \"" + d.rule->name + "\": " + std::string(d.message());
  }
  if (!v.estimate.empty()) v.message += " (planner estimate: " + v.estimate + ")";
  return v;
}

}  // namespace gh::pg
