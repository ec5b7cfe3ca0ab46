#include "masking/catalog.h"

namespace gh::masking {

namespace {

std::string name_key(std::string_view schema, std::string_view table, std::string_view column) {
  std::string k;
  k.reserve(schema.size() + table.size() + column.size() + 2);
  k.append(schema).push_back('\0');
  k.append(table);
  if (!column.empty()) k.append(1, '\0').append(column);
  return k;
}

}  // namespace

MaskCatalog MaskCatalog::build(const std::vector<CatalogColumn>& columns,
                               const std::vector<const MaskRule*>& rules) {
  MaskCatalog cat;
  for (const CatalogColumn& c : columns) {
    const MaskRule* hit = nullptr;
    for (const MaskRule* r : rules) {
      if (!r->is_column_rule()) continue;
      for (const ColumnPattern& p : r->columns) {
        if (p.matches(c.schema, c.table, c.column)) {
          hit = r;
          break;
        }
      }
      if (hit != nullptr) break;
    }
    bool& known = cat.known_[c.table_oid];
    bool& table = cat.tables_[name_key(c.schema, c.table, {})];
    bool& unqualified = cat.unqualified_tables_[c.table];
    if (hit == nullptr) continue;
    known = table = unqualified = true;
    cat.by_oid_[key(c.table_oid, c.attnum)] = hit;
    cat.by_name_[name_key(c.schema, c.table, c.column)] = hit;
    cat.by_unqualified_name_.emplace(c.table + std::string(1, '\0') + c.column, hit);
  }
  return cat;
}

const MaskRule* MaskCatalog::rule_for(uint32_t table_oid, int16_t attnum) const {
  auto it = by_oid_.find(key(table_oid, attnum));
  return it == by_oid_.end() ? nullptr : it->second;
}

const MaskRule* MaskCatalog::rule_for(std::string_view schema, std::string_view table,
                                      std::string_view column) const {
  if (!schema.empty()) {
    auto it = by_name_.find(name_key(schema, table, column));
    return it == by_name_.end() ? nullptr : it->second;
  }
  // Unqualified: any schema's relation of that name (the search path is the session's).
  std::string k(table);
  k.append(1, '\0').append(column);
  auto it = by_unqualified_name_.find(k);
  return it == by_unqualified_name_.end() ? nullptr : it->second;
}

bool MaskCatalog::has_masked_columns(uint32_t table_oid) const {
  auto it = known_.find(table_oid);
  return it != known_.end() && it->second;
}

bool MaskCatalog::has_masked_columns(std::string_view schema, std::string_view table) const {
  if (!schema.empty()) {
    auto it = tables_.find(name_key(schema, table, {}));
    return it != tables_.end() && it->second;
  }
  auto it = unqualified_tables_.find(std::string(table));
  return it != unqualified_tables_.end() && it->second;
}

}  // namespace gh::masking
