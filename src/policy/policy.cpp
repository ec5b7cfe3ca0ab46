#include "policy/policy.h"

#include <algorithm>

#include "policy/match.h"

namespace gh::policy {

namespace {

using sql::NestedOrigin;
using sql::StatementFacts;
using sql::StatementKind;

constexpr size_t kKindCount = static_cast<size_t>(StatementKind::kUnparseable) + 1;
// Nested statements deeper than this are not walked again through EXECUTE (the analyzer
// bounds nesting already; this only guards the EXECUTE indirection).
constexpr int kMaxExecuteDepth = 4;

// Walks a message's statements and hands each rule match to a sink:
//   void matched(uint32_t rule, const JudgedStatement&);
//   void needs_estimate(uint32_t rule, const JudgedStatement&);
template <typename Sink>
class Judge {
 public:
  Judge(const Policy& policy, const std::vector<StatementFacts>& message, const Subject& subject,
        const DecideContext& context, Sink& sink)
      : policy_(policy), message_(message), subject_(subject), context_(context), sink_(sink) {}

  void run() {
    for (size_t i = 0; i < message_.size(); ++i) {
      JudgedStatement s;
      s.facts = &message_[i];
      s.index = static_cast<uint32_t>(i);
      s.masked = context_.masked;
      walk(s, 0);
    }
  }

 private:
  void walk(JudgedStatement s, int execute_depth) {
    const StatementFacts& f = *s.facts;
    const StatementFacts* prepared = nullptr;
    if (f.kind == StatementKind::kExecute) {
      prepared = resolve(f.name, s.index);
      s.unknown_prepared = prepared == nullptr;
    }
    judge(s);
    s.unknown_prepared = false;
    if (prepared != nullptr && execute_depth < kMaxExecuteDepth) {
      // The prepared statement runs when (and only when) its EXECUTE runs.
      JudgedStatement p = s;
      p.facts = prepared;
      p.origin = NestedOrigin::kPrepared;
      p.via_execute = true;
      walk(p, execute_depth + 1);
    }
    for (const StatementFacts& n : f.nested) {
      JudgedStatement c = s;
      c.facts = &n;
      c.origin = n.origin;
      c.runs = s.runs && n.executes;
      walk(c, execute_depth);
    }
  }

  // The latest PREPARE of `name` earlier in this message, else the session's.
  const StatementFacts* resolve(const std::string& name, uint32_t index) const {
    for (uint32_t i = index; i-- > 0;) {
      const StatementFacts& f = message_[i];
      if (f.kind == StatementKind::kPrepare && f.name == name && !f.nested.empty())
        return &f.nested.front();
    }
    return context_.prepared ? context_.prepared->find(name) : nullptr;
  }

  void judge(const JudgedStatement& s) {
    const std::optional<CostEstimate>* estimate =
        s.index < context_.estimates.size() ? &context_.estimates[s.index] : nullptr;
    const auto& rules = policy_.rules();
    for (uint32_t r : policy_.rules_for(s.facts->kind)) {
      const Rule& rule = rules[r];
      if (!rule.scope.empty() && !rule.scope.applies(subject_)) continue;
      switch (evaluate(rule.match, s, policy_.search_path(), estimate)) {
        case MatchResult::kYes:
          sink_.matched(r, s);
          break;
        case MatchResult::kNeedsEstimate:
          sink_.needs_estimate(r, s);
          break;
        case MatchResult::kNo:
          break;
      }
    }
  }

  const Policy& policy_;
  const std::vector<StatementFacts>& message_;
  const Subject& subject_;
  const DecideContext& context_;
  Sink& sink_;
};

// Builds the Decision.
class DecisionSink {
 public:
  DecisionSink(const Policy& policy, Decision& d) : rules_(policy.rules()), d_(d) {}

  void matched(uint32_t r, const JudgedStatement& s) {
    const Rule& rule = rules_[r];
    // Listed once per top-level statement (at its first match there), in statement order and
    // policy order within a statement; the walk visits statements in order.
    auto pos = std::find_if(d_.matched.begin(), d_.matched.end(), [&](const RuleMatch& m) {
      return m.statement == s.index && m.rule >= &rule;
    });
    if (pos != d_.matched.end() && pos->rule == &rule && pos->statement == s.index) return;
    d_.matched.insert(pos, RuleMatch{&rule, s.index, s.origin, s.via_execute});
    d_.would = std::max(d_.would, rule.action);
    if (rule.mode != Mode::kEnforce) return;
    // Most severe wins; among equals the first in policy order.
    if (d_.rule == nullptr || rule.action > d_.action ||
        (rule.action == d_.action && &rule < d_.rule)) {
      d_.action = rule.action;
      d_.rule = &rule;
      d_.statement = s.index;
    }
  }
  void needs_estimate(uint32_t, const JudgedStatement& s) {
    if (s.index < 64) d_.estimates_missing |= uint64_t{1} << s.index;
  }

 private:
  const std::vector<Rule>& rules_;
  Decision& d_;
};

// For estimates_needed(): only whether the message is blocked already, and which statements
// a review/block cost rule waits on.
class EstimateSink {
 public:
  explicit EstimateSink(const Policy& policy) : rules_(policy.rules()) {}

  void matched(uint32_t r, const JudgedStatement&) {
    const Rule& rule = rules_[r];
    blocked_ = blocked_ || (rule.mode == Mode::kEnforce && rule.action == Action::kBlock);
  }
  void needs_estimate(uint32_t r, const JudgedStatement& s) {
    if (rules_[r].action != Action::kAllow && s.index < 64) needed_ |= uint64_t{1} << s.index;
  }
  uint64_t needed() const { return blocked_ ? 0 : needed_; }

 private:
  const std::vector<Rule>& rules_;
  bool blocked_ = false;
  uint64_t needed_ = 0;
};

}  // namespace

std::string_view to_string(Action a) {
  switch (a) {
    case Action::kAllow:
      return "allow";
    case Action::kReview:
      return "review";
    case Action::kBlock:
      return "block";
  }
  return "unknown";
}

std::string_view to_string(Mode m) { return m == Mode::kDryRun ? "dry-run" : "enforce"; }

std::string_view RuleMatch::label() const {
  if (enforced()) return to_string(rule->action);
  switch (rule->action) {
    case Action::kAllow:
      return "would allow";
    case Action::kReview:
      return "would review";
    case Action::kBlock:
      return "would block";
  }
  return "unknown";
}

bool Scope::applies(const Subject& subject) const {
  auto has = [](const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!connections.empty() && !has(connections, subject.connection)) return false;
  if (groups.empty() && principals.empty()) return true;
  const identity::Principal* p = subject.principal;
  if (p == nullptr) return false;
  if (has(principals, p->subject)) return true;
  return std::any_of(p->groups.begin(), p->groups.end(),
                     [&](const std::string& g) { return has(groups, g); });
}

Policy::Policy(std::vector<Rule> rules, std::vector<std::string> search_path,
               std::vector<std::string> sources)
    : rules_(std::move(rules)),
      search_path_(std::move(search_path)),
      sources_(std::move(sources)),
      rules_by_kind_(kKindCount) {
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    const Match& m = rules_[r].match;
    has_cost_rules_ = has_cost_rules_ || m.needs_estimate();
    for (size_t k = 0; k < kKindCount; ++k) {
      if (m.kinds == 0 || ((m.kinds >> k) & 1u) != 0) rules_by_kind_[k].push_back(r);
    }
  }
}

const Rule* Policy::find_rule(std::string_view name) const {
  for (const Rule& r : rules_)
    if (r.name == name) return &r;
  return nullptr;
}

bool Policy::explainable(const StatementFacts& f) {
  switch (f.kind) {
    case StatementKind::kSelect:
    case StatementKind::kInsert:
    case StatementKind::kUpdate:
    case StatementKind::kDelete:
    case StatementKind::kMerge:
    case StatementKind::kExecute:
      return true;
    case StatementKind::kDdl:
      return f.create_table_as || f.select_into;
    default:
      return false;
  }
}

Decision Policy::decide(const std::vector<StatementFacts>& message, const Subject& subject,
                        const DecideContext& context) const {
  Decision d;
  DecisionSink sink(*this, d);
  Judge<DecisionSink>(*this, message, subject, context, sink).run();
  return d;
}

uint64_t Policy::estimates_needed(const std::vector<StatementFacts>& message,
                                  const Subject& subject,
                                  const PreparedStatements* prepared) const {
  if (!has_cost_rules_) return 0;
  EstimateSink sink(*this);
  DecideContext context;
  context.prepared = prepared;
  Judge<EstimateSink>(*this, message, subject, context, sink).run();
  uint64_t needed = sink.needed();
  for (size_t i = 0; i < message.size() && i < 64; ++i) {
    if (!explainable(message[i])) needed &= ~(uint64_t{1} << i);
  }
  return needed;
}

}  // namespace gh::policy
