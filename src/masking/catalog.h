#pragma once

// Column rules resolved against the server's catalog. A rule names columns by pattern
// (`public.customers.ssn`); a result names them by (table OID, column number) in its
// RowDescription, whatever alias the query gave them, and lineage names them by relation and
// column. The session reads the catalog with kCatalogQueries and this snapshot maps every way.
//
//   MaskCatalog cat = MaskCatalog::build(snapshot, rules_for_this_session, &analyzer);
//   if (const ColumnMaskRef* m = cat.column(table_oid, attnum)) ...        // RowDescription
//   if (const ColumnMaskRef* m = cat.column("public", "customers", "ssn")) ... // lineage
//
// Views: a view's columns resolve to what its definition shows. The definition is analyzed
// (sql/ lineage) and a view column that is a masked column's own value gets that rule's style;
// one computed from a masked column (or from a whole row holding one) is `derived` (redacted
// whole); a view whose definition is not fully understood has every column derived-masked as
// soon as it reads anything masked. Views on views are resolved to a fixpoint.
//
// Built once per (connection, database, rule set) and shared read-only between sessions.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "masking/rules.h"

namespace gh::sql {
class Analyzer;
}

namespace gh::masking {

// One column of a user relation, as the first of kCatalogQueries returns it.
struct CatalogColumn {
  uint32_t table_oid = 0;
  int16_t attnum = 0;
  std::string schema;
  std::string table;
  std::string column;
  uint32_t type_oid = 0;
  char relkind = 'r';  // r table, p partitioned, v view, m materialized view, f foreign
};

// A view or materialized view and its definition (pg_get_viewdef).
struct CatalogView {
  uint32_t oid = 0;
  std::string definition;
};

// What the session reads from the server: shared per (connection, database).
struct CatalogSnapshot {
  std::vector<CatalogColumn> columns;
  std::vector<CatalogView> views;
  // Functions outside pg_catalog and information_schema, lowercase names: a value passing
  // through one may come from any table (a SQL function reading customers.ssn).
  std::unordered_set<std::string> user_functions;
};

// Columns of every user relation: tables, partitioned tables, views, materialized views,
// foreign tables, temporary tables included (a `*.*.ssn` rule covers them too); not system
// schemas. Checked against PostgreSQL 15. One row per column:
// oid, schema, relation, relkind, attnum, column, type oid.
inline constexpr std::string_view kCatalogQuery =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, a.attnum, a.attname, a.atttypid "
    "FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' "
    "ORDER BY c.oid, a.attnum";
// Views and materialized views: oid, definition.
inline constexpr std::string_view kViewQuery =
    "SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid) "
    "FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('v','m') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema')";
// User functions: name.
inline constexpr std::string_view kFunctionQuery =
    "SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p "
    "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')";

// How one column is masked.
struct ColumnMaskRef {
  const MaskRule* rule = nullptr;
  // The column is computed from masked data (a view's `upper(ssn)`): redact it whole, with
  // derived_style(rule->style).
  bool derived = false;
  // A derived value with no rule (from an unknown source) is redacted.
  Style style() const {
    if (rule == nullptr) return Style::redact();
    return derived ? derived_style(rule->style) : rule->style;
  }
};

class MaskCatalog {
 public:
  struct Column {
    std::string name;
    int16_t attnum = 0;
    uint32_t type_oid = 0;
    ColumnMaskRef mask;  // rule == nullptr: not masked
  };
  struct Relation {
    uint32_t oid = 0;
    std::string schema, name;
    char relkind = 'r';
    std::vector<Column> columns;  // attnum order
    bool masked = false;          // some column is masked
  };

  // `rules`: the column rules that apply (others are ignored); the first rule that matches a
  // column masks it. `analyzer` reads view definitions (null: views are resolved by their
  // names only, as tables).
  static MaskCatalog build(const CatalogSnapshot& snapshot,
                           const std::vector<const MaskRule*>& rules, sql::Analyzer* analyzer);
  static MaskCatalog build(const std::vector<CatalogColumn>& columns,
                           const std::vector<const MaskRule*>& rules) {
    CatalogSnapshot s;
    s.columns = columns;
    return build(s, rules, nullptr);
  }

  const ColumnMaskRef* column(uint32_t table_oid, int16_t attnum) const;
  // By name, as lineage names sources. An empty schema means "as the search path resolves
  // it": every schema's relation of that name counts (the broader answer; masking over-covers).
  const ColumnMaskRef* column(std::string_view schema, std::string_view table,
                              std::string_view column) const;
  const MaskRule* rule_for(uint32_t table_oid, int16_t attnum) const {
    const ColumnMaskRef* m = column(table_oid, attnum);
    return m != nullptr ? m->rule : nullptr;
  }
  const MaskRule* rule_for(std::string_view schema, std::string_view table,
                           std::string_view col) const {
    const ColumnMaskRef* m = column(schema, table, col);
    return m != nullptr ? m->rule : nullptr;
  }
  // Whether a relation has any masked column (whole-row references, `*`).
  bool has_masked_columns(uint32_t table_oid) const;
  bool has_masked_columns(std::string_view schema, std::string_view table) const;
  // The relation of that name; unqualified: the only one of that name in any schema, else null.
  const Relation* relation(std::string_view schema, std::string_view table) const;
  // Whether the snapshot knows the relation at all: an unknown OID in a result means the
  // schema changed since the snapshot (the session refreshes it, or fails closed).
  bool knows(uint32_t table_oid) const { return by_oid_.count(table_oid) != 0; }
  bool knows(std::string_view schema, std::string_view table) const;
  bool is_user_function(std::string_view lowercase_name) const {
    return user_functions_.count(std::string(lowercase_name)) != 0;
  }
  size_t masked_columns() const { return masked_columns_; }
  bool empty() const { return masked_columns_ == 0; }

 private:
  static std::string name_key(std::string_view schema, std::string_view table);
  void index();
  void resolve_views(const CatalogSnapshot& snapshot, sql::Analyzer& analyzer);

  std::vector<Relation> relations_;
  std::unordered_map<uint32_t, size_t> by_oid_;        // oid -> relations_ index
  std::unordered_map<std::string, size_t> by_name_;    // "schema\0table"
  std::unordered_map<std::string, std::vector<size_t>> by_unqualified_;  // "table"
  std::unordered_set<std::string> user_functions_;
  size_t masked_columns_ = 0;
};

}  // namespace gh::masking
