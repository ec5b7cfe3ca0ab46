#include "policy/load.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "config/yaml_reader.h"
#include "policy/agent_safe_pack.h"
#include "policy/rule_parser.h"

namespace gh::policy {

namespace {

namespace fs = std::filesystem;
using config::Entry;
using config::YamlReader;

constexpr std::string_view kGuardrailsKeys[] = {"include", "rules", "search_path"};
constexpr std::string_view kRulesFileKeys[] = {"rules"};
constexpr std::string_view kModes[] = {"enforce", "dry-run"};

bool looks_like_file(std::string_view s) {
  return s.find('/') != std::string_view::npos || s.ends_with(".yaml") || s.ends_with(".yml");
}

std::string pack_list() {
  std::string out;
  for (std::string_view n : rule_pack_names()) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::string lowercase(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// One include entry as written.
struct IncludeSpec {
  std::string pack;  // or
  std::string file;  // resolved path
  int line = 0;
  bool dry_run = false;
  std::vector<std::pair<std::string, int>> except;  // rule name, line
  RuleParameters parameters;
};

class PolicyLoader {
 public:
  PolicyLoader(std::string file, fs::path base_dir)
      : main_(std::move(file), std::move(base_dir), /*check_files=*/true) {}

  Result<std::shared_ptr<const Policy>> load(const YAML::Node& node, int line) {
    try {
      parse_section(node, line);
    } catch (const YAML::Exception& e) {
      main_.problem(e.mark.is_null() ? line : e.mark.line + 1, "guardrails: " + e.msg);
    } catch (const std::exception& e) {
      main_.problem(line, std::string("guardrails: ") + e.what());
    }
    check_duplicate_names();
    std::string problems;
    auto collect = [&](YamlReader& r) {
      if (!r.has_problems()) return;
      if (!problems.empty()) problems += '\n';
      problems += r.problems_status().message();
    };
    collect(main_);
    for (auto& r : readers_) collect(*r);
    if (!problems.empty()) return Status::Invalid(std::move(problems));
    std::vector<Rule> rules;
    rules.reserve(loaded_.size());
    for (Loaded& l : loaded_) rules.push_back(std::move(l.rule));
    return std::shared_ptr<const Policy>(
        std::make_shared<Policy>(std::move(rules), std::move(search_path_), std::move(sources_)));
  }

 private:
  struct Loaded {
    Rule rule;
    YamlReader* reader;
  };

  void parse_section(const YAML::Node& node, int line) {
    sources_.push_back(main_.file());
    if (!node.IsMap()) {
      main_.problem(line, "guardrails: expected a mapping with include and/or rules");
      return;
    }
    std::vector<IncludeSpec> includes;
    for (const Entry& e : main_.entries(node, "guardrails", "guardrails", kGuardrailsKeys)) {
      if (e.key == "rules") {
        RuleSource src{&main_, "", nullptr};
        std::vector<Rule> rules;
        parse_rules(e.value, e.path, e.key_line, src, rules);
        for (Rule& r : rules) loaded_.push_back({std::move(r), &main_});
      } else if (e.key == "include") {
        if (e.value.IsScalar()) {
          parse_include(e.value, e.path, e.line, includes);
        } else if (e.value.IsSequence()) {
          for (size_t i = 0; i < e.value.size(); ++i)
            parse_include(e.value[i], e.path + "[" + std::to_string(i) + "]", e.key_line, includes);
        } else {
          main_.problem(e.key_line, e.path + ": expected a list of packs and files");
        }
      } else if (e.key == "search_path") {
        parse_search_path(e);
      }
    }
    for (IncludeSpec& inc : includes) load_include(inc);
  }

  void parse_search_path(const Entry& e) {
    search_path_.clear();
    auto add = [&](const YAML::Node& n) {
      if (!n.IsScalar() || n.Scalar().empty()) {
        main_.problem(config::line_of(n, e.line), e.path + ": expected a list of schema names");
        return;
      }
      search_path_.push_back(lowercase(n.Scalar()));
    };
    if (e.value.IsSequence()) {
      for (const auto& n : e.value) add(n);
    } else {
      add(e.value);
    }
  }

  void parse_include(const YAML::Node& n, const std::string& path, int fallback,
                     std::vector<IncludeSpec>& out) {
    IncludeSpec inc;
    inc.line = config::line_of(n, fallback);
    if (n.IsScalar()) {
      if (!name_target(n.Scalar(), path, inc)) return;
    } else if (n.IsMap()) {
      if (!parse_include_map(n, path, inc)) return;
    } else {
      main_.problem(inc.line, path + ": expected a pack name, a file path or a mapping");
      return;
    }
    for (const IncludeSpec& other : out) {
      if ((!inc.pack.empty() && other.pack == inc.pack) ||
          (!inc.file.empty() && other.file == inc.file)) {
        main_.problem(inc.line, path + ": '" + (inc.pack.empty() ? inc.file : inc.pack) +
                                    "' is already included on line " + std::to_string(other.line));
        return;
      }
    }
    out.push_back(std::move(inc));
  }

  // A scalar include: a built-in pack's name or a file path.
  bool name_target(const std::string& s, const std::string& path, IncludeSpec& inc) {
    if (const RulePack* p = find_rule_pack(s)) {
      inc.pack = s;
      inc.parameters = p->parameters;
      return true;
    }
    if (!looks_like_file(s)) {
      main_.problem(inc.line, path + ": unknown rule pack '" + s + "' (built-in packs: " +
                                  pack_list() + "; a rules file ends in .yaml or .yml)");
      return false;
    }
    fs::path p(s);
    if (p.is_relative()) p = main_.base_dir() / p;
    inc.file = p.lexically_normal().string();
    if (auto why = config::unreadable_reason(inc.file)) {
      main_.problem(inc.line, path + ": cannot read '" + inc.file + "': " + *why);
      return false;
    }
    return true;
  }

  bool parse_include_map(const YAML::Node& n, const std::string& path, IncludeSpec& inc) {
    const bool is_pack = n["pack"].IsDefined();
    if (is_pack == n["file"].IsDefined()) {
      main_.problem(inc.line, path + ": set exactly one of pack and file");
      return false;
    }
    const YAML::Node target = is_pack ? n["pack"] : n["file"];
    if (!target.IsScalar() || target.Scalar().empty()) {
      main_.problem(config::line_of(target, inc.line),
                    path + (is_pack ? ".pack" : ".file") + ": expected a name");
      return false;
    }
    if (is_pack && !find_rule_pack(target.Scalar())) {
      main_.problem(config::line_of(target, inc.line),
                    path + ".pack: unknown rule pack '" + target.Scalar() +
                        "' (built-in packs: " + pack_list() + ")");
      return false;
    }
    if (!name_target(target.Scalar(), path, inc)) return false;
    std::vector<std::string_view> known = {"pack", "file", "mode", "except"};
    for (const auto& [name, value] : inc.parameters) known.push_back(name);
    bool ok = true;
    for (const Entry& f :
         main_.entries(n, path, is_pack ? "pack include" : "file include", known)) {
      if (f.key == "mode") {
        auto m = main_.read_choice(f, kModes);
        ok = ok && m.has_value();
        inc.dry_run = m && *m == "dry-run";
      } else if (f.key == "except") {
        std::vector<YAML::Node> items;
        if (f.value.IsSequence()) {
          for (const auto& i : f.value) items.push_back(i);
        } else {
          items.push_back(f.value);
        }
        for (const auto& i : items) {
          if (!i.IsScalar() || i.Scalar().empty()) {
            main_.problem(f.line, f.path + ": expected a list of rule names");
            ok = false;
          } else {
            inc.except.emplace_back(i.Scalar(), config::line_of(i, f.line));
          }
        }
      } else if (inc.parameters.count(f.key) == 1) {
        auto v = main_.read_int(f, 0, int64_t{1} << 50, "a whole number >= 0");
        ok = ok && v.has_value();
        if (v) inc.parameters[f.key] = static_cast<double>(*v);
      }
    }
    return ok;
  }

  void load_include(IncludeSpec& inc) {
    std::string text;
    std::string name;
    if (!inc.pack.empty()) {
      const RulePack* p = find_rule_pack(inc.pack);
      text = std::string(p->yaml);
      name = inc.pack;
      readers_.push_back(
          std::make_unique<YamlReader>(inc.pack + " (built-in pack)", main_.base_dir(), false));
    } else {
      std::string why;
      if (!config::read_file(inc.file, text, why)) {
        main_.problem(inc.line, "guardrails.include: cannot read '" + inc.file + "': " + why);
        return;
      }
      name = inc.file;
      fs::path dir = fs::path(inc.file).parent_path();
      readers_.push_back(std::make_unique<YamlReader>(inc.file, dir, true));
    }
    sources_.push_back(name);
    YamlReader& r = *readers_.back();
    std::vector<Rule> rules;
    try {
      YAML::Node root = YAML::Load(text);
      if (!root.IsMap()) {
        r.problem(config::line_of(root, 1), "expected a mapping with a rules: list");
      } else {
        for (const Entry& e : r.entries(root, "", "rules file", kRulesFileKeys)) {
          RuleSource src{&r, inc.pack, &inc.parameters};
          parse_rules(e.value, e.path, e.key_line, src, rules);
        }
        if (!root["rules"].IsDefined()) r.problem(1, "rules: a rules file needs a rules: list");
      }
    } catch (const YAML::Exception& e) {
      r.problem(e.mark.is_null() ? 1 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    for (const auto& [rule_name, line] : inc.except) {
      const std::string& wanted = rule_name;  // clang 14 cannot capture a structured binding
      auto it = std::find_if(rules.begin(), rules.end(),
                             [&wanted](const Rule& x) { return x.name == wanted; });
      if (it == rules.end()) {
        main_.problem(line,
                      "guardrails.include: '" + name + "' has no rule named '" + rule_name + "'");
      } else {
        rules.erase(it);
      }
    }
    for (Rule& rule : rules) {
      if (inc.dry_run) rule.mode = Mode::kDryRun;
      loaded_.push_back({std::move(rule), &r});
    }
  }

  void check_duplicate_names() {
    std::map<std::string_view, const Loaded*> seen;
    for (const Loaded& l : loaded_) {
      auto [it, fresh] = seen.emplace(l.rule.name, &l);
      if (fresh) continue;
      const Rule& first = it->second->rule;
      l.reader->problem(l.rule.where.line, "duplicate rule name '" + l.rule.name +
                                               "' (first defined at " + first.where.file + ":" +
                                               std::to_string(first.where.line) + ")");
    }
  }

  YamlReader main_;
  std::vector<std::unique_ptr<YamlReader>> readers_;  // one per include, in order
  std::vector<Loaded> loaded_;
  std::vector<std::string> search_path_ = {"public"};
  std::vector<std::string> sources_;
};

fs::path config_dir(const std::string& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(file), ec);
  return ec ? fs::path(file).parent_path() : abs.parent_path();
}

}  // namespace

Result<std::shared_ptr<const Policy>> load_policy(const config::Config& cfg) {
  if (!cfg.guardrails.node) {
    return std::shared_ptr<const Policy>(std::make_shared<Policy>(
        std::vector<Rule>{}, std::vector<std::string>{"public"}, std::vector<std::string>{}));
  }
  PolicyLoader loader(cfg.path, config_dir(cfg.path));
  return loader.load(*cfg.guardrails.node, cfg.guardrails.where.line);
}

Result<std::shared_ptr<const Policy>> load_policy_yaml(const std::string& text,
                                                       const std::string& file,
                                                       const fs::path& base_dir) {
  PolicyLoader loader(file, base_dir);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(file + ":" + std::to_string(e.mark.is_null() ? 1 : e.mark.line + 1) +
                           ": invalid YAML: " + e.msg);
  }
  return loader.load(root, 1);
}

}  // namespace gh::policy
