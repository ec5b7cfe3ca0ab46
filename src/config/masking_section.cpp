// The `masking:` section: rules that rewrite sensitive values in results.
//
//   masking:
//     hash_key_env: GATEHOUSE_MASKING_KEY     # or hash_key_file: path (for style: hash)
//     rules:
//       - name: pii-columns
//         columns: ["public.customers.ssn", "*.email"]
//         style: partial(last=4)
//         except_groups: [compliance]
//       - name: pii-values
//         detect: [credit_card, us_ssn]
//         style: redact
//
// `masking:` may also be the list of rules itself. The shape is checked here; styles,
// detector names and column patterns are compiled by masking/, also with file:line.

#include <set>

#include "config/loader.h"

namespace gh::config::detail {

namespace {

constexpr std::string_view kMaskingKeys[] = {"rules", "hash_key_env", "hash_key_file"};
constexpr std::string_view kMaskRuleKeys[] = {"name",  "columns",       "detect",
                                              "style", "except_groups", "connections"};

}  // namespace

void Loader::parse_masking(const Entry& e, Config& cfg) {
  YAML::Node rules;
  int rules_line = e.key_line;
  if (e.value.IsSequence()) {
    rules = e.value;
  } else if (e.value.IsMap()) {
    int env_line = 0, file_line = 0;
    for (const Entry& f : entries(e.value, "masking", "masking", kMaskingKeys)) {
      if (f.key == "rules") {
        rules = f.value;
        rules_line = f.line;
      } else if (f.key == "hash_key_env") {
        if (auto s = read_string(f)) {
          if (!is_env_name(*s)) {
            problem(f.line,
                    "masking.hash_key_env: '" + *s + "' is not an environment variable name");
          } else {
            cfg.masking.hash_key.password_env = std::move(*s);
            env_line = f.line;
          }
        }
      } else if (f.key == "hash_key_file") {
        if (auto s = read_string(f)) {
          cfg.masking.hash_key.password_file = (base_dir() / *s).lexically_normal().string();
          file_line = f.line;
        }
      }
    }
    if (env_line != 0 && file_line != 0) {
      problem(file_line, "masking: set hash_key_env or hash_key_file, not both");
    }
    cfg.masking.hash_key_line = env_line != 0 ? env_line : file_line;
    if (cfg.masking.hash_key_line != 0 && resolve_secrets_) {
      resolve_password(cfg.masking.hash_key, "masking.hash_key", cfg.masking.hash_key_line);
      if (cfg.masking.hash_key.password.size() < 16 && !cfg.masking.hash_key.password.empty()) {
        problem(cfg.masking.hash_key_line,
                "masking: the hash key must be at least 16 bytes (it keys HMAC-SHA256; use 32 "
                "random bytes, e.g. `openssl rand -base64 32`)");
      }
    }
    if (!rules.IsDefined()) {
      problem(e.key_line, "masking: a rules: list is required");
      return;
    }
  } else {
    problem(e.key_line, "masking: expected a list of rules, or a mapping with rules:");
    return;
  }
  if (!rules.IsSequence()) {
    problem(line_of(rules, rules_line), "masking.rules: expected a list of rules");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    const size_t before = cfg.masking.rules.size();
    parse_mask_rule(rules[i], "masking.rules[" + std::to_string(i) + "]", rules_line, cfg);
    if (cfg.masking.rules.size() > before) {
      const MaskRuleConfig& r = cfg.masking.rules.back();
      if (!r.name.empty() && !names.insert(r.name).second)
        problem(r.where.line, "masking: rule name '" + r.name + "' is used twice");
    }
  }
}

void Loader::parse_mask_rule(const YAML::Node& node, const std::string& path, int fallback_line,
                             Config& cfg) {
  const int line = line_of(node, fallback_line);
  if (!node.IsMap()) {
    problem(line, path + ": expected a mapping with name, columns or detect, and style");
    return;
  }
  MaskRuleConfig rule;
  rule.where = {file(), line};
  for (const Entry& f : entries(node, path, "masking rule", kMaskRuleKeys)) {
    if (f.key == "name") {
      if (auto s = read_string(f)) {
        if (!is_plain_name(*s)) {
          problem(f.line, path + ".name: use letters, digits, '_', '.' and '-'");
        } else {
          rule.name = std::move(*s);
        }
      }
    } else if (f.key == "columns") {
      if (auto v = read_string_list(f)) {
        rule.columns = std::move(*v);
        rule.columns_line = f.line;
      }
    } else if (f.key == "detect") {
      if (auto v = read_string_list(f)) {
        rule.detect = std::move(*v);
        rule.detect_line = f.line;
      }
    } else if (f.key == "style" && f.value.IsNull()) {
      rule.style = "null";  // `style: null` is YAML's null: the null style is meant
      rule.style_line = f.line;
    } else if (f.key == "style") {
      if (auto s = read_string(f)) {
        rule.style = std::move(*s);
        rule.style_line = f.line;
      }
    } else if (f.key == "except_groups") {
      if (auto v = read_string_list(f)) rule.except_groups = std::move(*v);
    } else if (f.key == "connections") {
      if (auto v = read_string_list(f)) rule.connections = std::move(*v);
    }
  }
  if (!node["name"].IsDefined()) problem(line, path + ": name is required");
  const bool has_columns = node["columns"].IsDefined(), has_detect = node["detect"].IsDefined();
  if (has_columns == has_detect) {
    problem(line, path +
                      ": set either columns (which columns to mask) or detect (which kinds "
                      "of values to find), not " +
                      std::string(has_columns ? "both" : "neither"));
  }
  if (!node["style"].IsDefined()) {
    problem(line, path +
                      ": style is required (redact, partial(first=N), partial(last=N), "
                      "hash or null)");
  }
  cfg.masking.rules.push_back(std::move(rule));
}

void Loader::check_masking(Config& cfg) {
  for (size_t i = 0; i < cfg.masking.rules.size(); ++i) {
    const MaskRuleConfig& r = cfg.masking.rules[i];
    for (const std::string& c : r.connections) {
      if (cfg.find_connection(c) == nullptr)
        problem(r.where.line, "masking.rules[" + std::to_string(i) +
                                  "].connections: no connection named '" + c + "'");
    }
  }
}

}  // namespace gh::config::detail
