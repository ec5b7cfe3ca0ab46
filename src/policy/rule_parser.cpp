#include "policy/rule_parser.h"

#include <algorithm>

namespace gh::policy {

namespace {

constexpr std::string_view kRuleKeys[] = {"name",   "match",      "action",      "message",  "mode",
                                          "groups", "principals", "connections", "approvers",
                                          "min_approvals"};
constexpr std::string_view kActions[] = {"allow", "review", "block"};
constexpr std::string_view kModes[] = {"enforce", "dry-run"};
constexpr size_t kMaxRuleName = 128;

// A list of non-empty strings, or one string.
std::optional<std::vector<std::string>> read_names(config::YamlReader& r, const config::Entry& e) {
  std::vector<std::string> out;
  if (e.value.IsScalar()) {
    if (!e.value.Scalar().empty()) out.push_back(e.value.Scalar());
  } else if (e.value.IsSequence()) {
    for (const auto& item : e.value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        r.problem(config::line_of(item, e.line), e.path + ": expected a list of names");
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
  }
  if (out.empty()) {
    r.problem(e.line, e.path + ": expected a name or a list of names");
    return std::nullopt;
  }
  return out;
}

std::string default_message(const Rule& rule) {
  switch (rule.action) {
    case Action::kBlock:
      return "blocked by guardrail rule '" + rule.name + "'";
    case Action::kReview:
      return "requires approval under guardrail rule '" + rule.name + "'";
    case Action::kAllow:
      break;
  }
  return "allowed by guardrail rule '" + rule.name + "'";
}

void parse_rule(const YAML::Node& node, const std::string& path, int fallback_line,
                const RuleSource& source, std::vector<Rule>& out) {
  config::YamlReader& r = *source.reader;
  const int line = config::line_of(node, fallback_line);
  if (!node.IsMap()) {
    r.problem(line, path + ": expected a rule (a mapping with name, match and action)");
    return;
  }
  Rule rule;
  rule.where = {r.file(), line};
  rule.pack = source.pack;
  bool ok = true;
  bool has_name = false, has_match = false, has_action = false;
  int approvers_line = 0;
  for (const config::Entry& f : r.entries(node, path, "rule", kRuleKeys)) {
    if (f.key == "name") {
      has_name = true;
      const std::optional<std::string> s = r.read_string(f);
      if (!s) {
        ok = false;
      } else if (!is_rule_name(*s)) {
        r.problem(f.line, f.path + ": '" + *s +
                              "' is not a rule name (letters, digits, - _ . /; at most 128)");
        ok = false;
      } else {
        rule.name = *s;
      }
    } else if (f.key == "match") {
      has_match = true;
      ok = parse_match(f, source, rule.match) && ok;
    } else if (f.key == "action") {
      has_action = true;
      if (auto a = r.read_choice(f, kActions)) {
        rule.action = *a == "block"    ? Action::kBlock
                      : *a == "review" ? Action::kReview
                                       : Action::kAllow;
      } else {
        ok = false;
      }
    } else if (f.key == "message") {
      if (auto s = r.read_string(f)) {
        rule.message = std::move(*s);
      } else {
        ok = false;
      }
    } else if (f.key == "min_approvals") {
      if (auto n = r.read_int(f, 1, 10, "a whole number from 1 to 10")) {
        rule.min_approvals = static_cast<int>(*n);
        approvers_line = approvers_line != 0 ? approvers_line : f.key_line;
      } else {
        ok = false;
      }
    } else if (f.key == "mode") {
      if (auto m = r.read_choice(f, kModes)) {
        rule.mode = *m == "dry-run" ? Mode::kDryRun : Mode::kEnforce;
      } else {
        ok = false;
      }
    } else {
      auto names = read_names(r, f);
      if (!names) {
        ok = false;
        continue;
      }
      if (f.key == "groups") rule.scope.groups = std::move(*names);
      if (f.key == "principals") rule.scope.principals = std::move(*names);
      if (f.key == "connections") rule.scope.connections = std::move(*names);
      if (f.key == "approvers") {
        rule.approvers = std::move(*names);
        approvers_line = f.key_line;
      }
    }
  }
  if (!has_name) r.problem(line, path + ": name is required");
  if (!has_match)
    r.problem(line, path + ": match is required (use `match: {}` to match every statement)");
  if (!has_action) r.problem(line, path + ": action is required (allow, review or block)");
  if (approvers_line != 0 && has_action && rule.action != Action::kReview)
    r.problem(approvers_line,
              path + ": only a review rule has approvers and min_approvals");
  if (!ok || !has_name || !has_match || !has_action) return;
  if (rule.message.empty()) rule.message = default_message(rule);
  out.push_back(std::move(rule));
}

}  // namespace

bool is_rule_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxRuleName && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/';
  });
}

void parse_rules(const YAML::Node& node, const std::string& path, int line,
                 const RuleSource& source, std::vector<Rule>& out) {
  if (!node.IsSequence()) {
    source.reader->problem(line, path + ": expected a list of rules");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i)
    parse_rule(node[i], path + "[" + std::to_string(i) + "]", line, source, out);
}

}  // namespace gh::policy
