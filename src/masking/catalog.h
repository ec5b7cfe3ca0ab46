#pragma once

// Column rules resolved against the server's catalog. A rule names columns by pattern
// (`public.customers.ssn`); a result names them by (table OID, column number) in its
// RowDescription, whatever alias the query gave them. The session reads the catalog with
// kCatalogQuery and this snapshot maps both ways.
//
//   MaskCatalog cat = MaskCatalog::build(columns_from_the_server, rules_for_this_session);
//   if (const MaskRule* r = cat.rule_for(table_oid, attnum)) ...   // RowDescription columns
//   if (const MaskRule* r = cat.rule_for("public", "customers", "ssn")) ...  // lineage sources
//
// Built once per (connection, database, rule set) and shared read-only between sessions.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "masking/rules.h"

namespace gh::masking {

// One column of a user relation, as kCatalogQuery returns it.
struct CatalogColumn {
  uint32_t table_oid = 0;
  int16_t attnum = 0;
  std::string schema;
  std::string table;
  std::string column;
  uint32_t type_oid = 0;
  char relkind = 'r';  // r table, p partitioned, v view, m materialized view, f foreign
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

class MaskCatalog {
 public:
  // `rules`: the column rules that apply (others are ignored); the first rule that matches a
  // column masks it.
  static MaskCatalog build(const std::vector<CatalogColumn>& columns,
                           const std::vector<const MaskRule*>& rules);

  const MaskRule* rule_for(uint32_t table_oid, int16_t attnum) const;
  // By name, as lineage names sources. An empty schema means "as the search path resolves
  // it": every schema's table of that name counts (the broader answer; masking over-covers).
  const MaskRule* rule_for(std::string_view schema, std::string_view table,
                           std::string_view column) const;
  // Whether a relation has any masked column (whole-row references, `*`).
  bool has_masked_columns(uint32_t table_oid) const;
  bool has_masked_columns(std::string_view schema, std::string_view table) const;
  // Whether the snapshot knows the relation at all: an unknown OID in a result means the
  // schema changed since the snapshot (the session refreshes it, or fails closed).
  bool knows(uint32_t table_oid) const { return known_.count(table_oid) != 0; }
  size_t masked_columns() const { return by_oid_.size(); }

 private:
  static uint64_t key(uint32_t oid, int16_t attnum) {
    return (uint64_t{oid} << 16) | static_cast<uint16_t>(attnum);
  }
  std::unordered_map<uint64_t, const MaskRule*> by_oid_;
  // "schema\0table\0column" (lowercase as the catalog spells it) -> rule.
  std::unordered_map<std::string, const MaskRule*> by_name_;
  std::unordered_map<uint32_t, bool> known_;      // oid -> has masked columns
  std::unordered_map<std::string, bool> tables_;  // "schema\0table" -> has masked columns
  // The same without the schema, for names written unqualified: "table\0column" and "table".
  std::unordered_map<std::string, const MaskRule*> by_unqualified_name_;
  std::unordered_map<std::string, bool> unqualified_tables_;
};

}  // namespace gh::masking
