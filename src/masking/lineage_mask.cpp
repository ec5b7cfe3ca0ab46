#include "masking/lineage_mask.h"

#include <array>

namespace gh::masking {

namespace {

void derive(LineageMask& m, const MaskRule* rule) {
  if (m.ref.rule == nullptr) m.ref.rule = rule;
  m.masked = true;
  m.ref.derived = true;
}

const MaskRule* first_masked_rule(const MaskCatalog& cat, const sql::QualifiedName& rel) {
  const MaskCatalog::Relation* r = cat.relation(rel.schema, rel.name);
  if (r == nullptr) return nullptr;
  for (const MaskCatalog::Column& c : r->columns)
    if (c.mask.rule != nullptr) return c.mask.rule;
  return nullptr;
}

}  // namespace

bool reads_arbitrary_tables(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "query_to_xml",  "query_to_xml_and_xmlschema",  "query_to_xmlschema",
      "table_to_xml",  "table_to_xml_and_xmlschema",  "table_to_xmlschema",
      "cursor_to_xml", "schema_to_xml",               "schema_to_xml_and_xmlschema",
      "database_to_xml", "database_to_xml_and_xmlschema", "dblink"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  return name.starts_with("dblink");
}

bool is_system_relation(const sql::QualifiedName& rel) {
  if (rel.schema == "pg_catalog" || rel.schema == "information_schema") return true;
  return rel.schema.empty() && rel.name.starts_with("pg_");
}

bool may_read_any_table(const MaskCatalog& cat, const sql::QualifiedName& f) {
  if (reads_arbitrary_tables(f.name)) return true;
  if (f.schema == "pg_catalog") return false;
  return !f.schema.empty() || cat.is_user_function(f.name);
}

bool reads_masked_data(const MaskCatalog& cat, const sql::StatementFacts& f, bool* unknown) {
  bool masked = false;
  sql::for_each_statement(f, [&](const sql::StatementFacts& s) {
    for (const sql::QualifiedName& rel : s.relations_read) {
      if (cat.has_masked_columns(rel.schema, rel.name)) masked = true;
      if (!cat.knows(rel.schema, rel.name) && !is_system_relation(rel)) {
        masked = true;
        if (unknown != nullptr) *unknown = true;
      }
    }
    for (const sql::QualifiedName& fn : s.functions) masked |= may_read_any_table(cat, fn);
  });
  return masked;
}

LineageMask mask_from_lineage(const MaskCatalog& cat, const sql::OutputColumn& col) {
  LineageMask m;
  if (cat.empty()) return m;  // nothing masked anywhere: nothing can leak
  for (const sql::ColumnSource& s : col.sources) {
    const sql::QualifiedName& rel = s.relation;
    if (!cat.knows(rel.schema, rel.name)) {
      if (is_system_relation(rel)) continue;
      m.unknown_relation = true;
      derive(m, nullptr);
      continue;
    }
    if (s.column.empty()) {  // a whole row: masked if it holds a masked column
      if (cat.has_masked_columns(rel.schema, rel.name)) derive(m, first_masked_rule(cat, rel));
      continue;
    }
    const ColumnMaskRef* ref = cat.column(rel.schema, rel.name, s.column);
    if (ref == nullptr) continue;
    if (col.direct && col.sources.size() == 1 && !ref->derived) {
      m.masked = true;
      m.ref = *ref;
    } else {
      derive(m, ref->rule);
    }
  }
  for (const sql::QualifiedName& f : col.functions)
    if (may_read_any_table(cat, f)) derive(m, nullptr);
  if (col.opaque) derive(m, nullptr);
  return m;
}

}  // namespace gh::masking
