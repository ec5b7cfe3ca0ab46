#pragma once

// The compiled `masking:` rules (config::MaskingConfig -> MaskRules), and which of them apply
// to a session.
//
//   auto rules = masking::compile_rules(cfg.masking, cfg.path);   // file:line errors
//   std::vector<const MaskRule*> mine = rules.value()->for_session(groups, connection);
//
// Column patterns are `schema.table.column` or `table.column` (any schema), each part a glob
// (`*`, `?`), compared without regard to ASCII case: `*.*.email`, `public.customers.ssn`.
// A column rule is resolved against the server's catalog to (table OID, column number) pairs
// before it masks anything (catalog.h); a detector rule looks at the values themselves.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.h"
#include "common/status.h"
#include "config/config.h"
#include "masking/detectors.h"
#include "masking/hash_key.h"
#include "masking/style.h"

namespace gh::masking {

struct ColumnPattern {
  Glob schema, table, column;
  std::string text;  // as written

  bool matches(std::string_view s, std::string_view t, std::string_view c) const {
    return schema.matches(s) && table.matches(t) && column.matches(c);
  }
};

struct MaskRule {
  std::string name;
  std::vector<ColumnPattern> columns;         // a column rule; empty for a detector rule
  std::shared_ptr<const DetectorSet> detect;  // a detector rule
  Style style;
  std::vector<std::string> except_groups;
  std::vector<std::string> connections;  // empty = all

  bool is_column_rule() const { return !columns.empty(); }
  // Whether it masks for a principal with these groups on this connection.
  bool applies(const std::vector<std::string>& groups, std::string_view connection) const;
};

class MaskRules {
 public:
  MaskRules(std::vector<MaskRule> rules, std::unique_ptr<HashKey> hash_key)
      : rules_(std::move(rules)), hash_key_(std::move(hash_key)) {}

  const std::vector<MaskRule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }
  const HashKey* hash_key() const { return hash_key_.get(); }
  // The rules that mask for this principal on this connection, in file order.
  std::vector<const MaskRule*> for_session(const std::vector<std::string>& groups,
                                           std::string_view connection) const;

 private:
  std::vector<MaskRule> rules_;
  std::unique_ptr<HashKey> hash_key_;
};

// Compiles the section; problems are `file:line: masking.rules[i].<key>: ...`, joined by
// newlines, in a Status::Invalid.
Result<std::shared_ptr<const MaskRules>> compile_rules(const config::MaskingConfig& cfg,
                                                       const std::string& file);

}  // namespace gh::masking
