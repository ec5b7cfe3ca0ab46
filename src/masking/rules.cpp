#include "masking/rules.h"

#include <algorithm>
#include <optional>

namespace gh::masking {

bool MaskRule::applies(const std::vector<std::string>& groups, std::string_view connection) const {
  if (!connections.empty() &&
      std::find(connections.begin(), connections.end(), connection) == connections.end())
    return false;
  for (const std::string& g : except_groups)
    if (std::find(groups.begin(), groups.end(), g) != groups.end()) return false;
  return true;
}

std::vector<const MaskRule*> MaskRules::for_session(const std::vector<std::string>& groups,
                                                    std::string_view connection) const {
  std::vector<const MaskRule*> out;
  for (const MaskRule& r : rules_)
    if (r.applies(groups, connection)) out.push_back(&r);
  return out;
}

namespace {

// "schema.table.column" or "table.column" (any schema).
std::optional<ColumnPattern> compile_pattern(const std::string& text, std::string& why) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    parts.push_back(std::string_view(text).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    why = "expected schema.table.column or table.column";
    return std::nullopt;
  }
  std::optional<Glob> globs[3];
  const std::string_view any = "*";
  const std::string_view texts[3] = {parts.size() == 3 ? parts[0] : any, parts[parts.size() - 2],
                                     parts.back()};
  for (int i = 0; i < 3; ++i) {
    globs[i] = Glob::compile(texts[i], why);
    if (!globs[i]) return std::nullopt;
  }
  return ColumnPattern{std::move(*globs[0]), std::move(*globs[1]), std::move(*globs[2]), text};
}

}  // namespace

Result<std::shared_ptr<const MaskRules>> compile_rules(const config::MaskingConfig& cfg,
                                                       const std::string& file) {
  std::string problems;
  auto problem = [&](int line, const std::string& msg) {
    if (!problems.empty()) problems += "\n";
    problems += file + ":" + std::to_string(line) + ": " + msg;
  };
  std::vector<MaskRule> rules;
  bool uses_hash = false;
  for (size_t i = 0; i < cfg.rules.size(); ++i) {
    const config::MaskRuleConfig& rc = cfg.rules[i];
    const std::string path = "masking.rules[" + std::to_string(i) + "]";
    MaskRule r;
    r.name = rc.name;
    r.except_groups = rc.except_groups;
    r.connections = rc.connections;
    auto style = parse_style(rc.style);
    if (!style.ok()) {
      problem(rc.style_line != 0 ? rc.style_line : rc.where.line,
              path + ".style: " + style.status().message());
    } else {
      r.style = style.value();
      uses_hash = uses_hash || r.style.kind == StyleKind::kHash;
    }
    for (const std::string& c : rc.columns) {
      std::string why;
      auto p = compile_pattern(c, why);
      if (!p) {
        problem(rc.columns_line, path + ".columns: '" + c + "': " + why);
      } else {
        r.columns.push_back(std::move(*p));
      }
    }
    if (!rc.detect.empty()) {
      auto set = DetectorSet::build(rc.detect);
      if (!set.ok()) {
        problem(rc.detect_line, path + ".detect: " + set.status().message());
      } else {
        r.detect = std::make_shared<const DetectorSet>(std::move(set.value()));
      }
    }
    rules.push_back(std::move(r));
  }
  std::unique_ptr<HashKey> key;
  if (uses_hash) {
    if (cfg.hash_key.password.empty()) {
      problem(cfg.hash_key_line != 0 ? cfg.hash_key_line : 1,
              "masking: a rule uses style hash: set masking.hash_key_env or "
              "masking.hash_key_file (the HMAC key, at least 16 bytes)");
    } else {
      auto k = HashKey::create(cfg.hash_key.password);
      if (!k.ok()) {
        problem(cfg.hash_key_line, "masking.hash_key: " + k.status().message());
      } else {
        key = std::move(k.value());
      }
    }
  }
  if (!problems.empty()) return Status::Invalid(problems);
  return std::shared_ptr<const MaskRules>(
      std::make_shared<MaskRules>(std::move(rules), std::move(key)));
}

}  // namespace gh::masking
