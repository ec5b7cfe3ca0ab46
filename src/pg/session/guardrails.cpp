#include "pg/session/guardrails.h"

namespace gh::pg {

void PolicyHolder::set(std::shared_ptr<const policy::Policy> p) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = std::move(p);
  version_.fetch_add(1, std::memory_order_release);
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
}

Verdict Guardrails::on_statement(const StatementStart& s) {
  if (s.prejudged) return Verdict::Allow();  // judged at its Parse; it keeps that decision
  holder_.refresh(policy_, version_);
  const sql::AnalyzedSql& analyzed = analyzer_.analyze(s.sql);
  // Fail closed, with or without rules: what gatehouse cannot parse it cannot judge or
  // record faithfully, so it is not run. 42601, as the server would say for bad syntax.
  if (!analyzed.parsed()) {
    const sql::UnparseableFacts& e = analyzed.statements.front().error;
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
  policy::Subject subject{&principal_, connection_};
  policy::DecideContext ctx;
  ctx.prepared = &prepared_;
  policy::Decision d = policy_->decide(analyzed.statements, subject, ctx);
  Verdict v;
  for (const policy::RuleMatch& m : d.matched) {
    if (!v.rules.empty()) v.rules += ",";
    v.rules.append(m.rule->name).append(":").append(m.label());
  }
  if (d.allowed()) {
    if (s.at_parse) {
      // A named protocol-level statement shares SQL PREPARE's namespace: `EXECUTE name` in
      // SQL runs it and is judged by it.
      if (!s.statement_name.empty() && analyzed.statements.size() == 1) {
        auto shared = analyzer_.analyze_shared(s.sql);
        prepared_.remember(std::string(s.statement_name),
                           std::shared_ptr<const sql::StatementFacts>(shared,
                                                                      &shared->statements[0]));
      }
    } else {
      prepared_.apply(analyzed.statements);
    }
    return v;
  }
  v.allow = false;
  v.sqlstate = "42501";
  if (d.action == policy::Action::kReview) {
    v.decision = "review";
    v.message = "statement requires approval (guardrail \"" + d.rule->name +
                "\"): " + std::string(d.message()) +
                "; gatehouse cannot take approvals yet, so it was not run";
  } else {
    v.decision = "block";
    v.message = "blocked by guardrail \"" + d.rule->name + "\": " + std::string(d.message());
  }
  return v;
}

}  // namespace gh::pg
