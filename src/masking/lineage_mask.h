#pragma once

// What an output column's lineage (sql::OutputColumn) says about masking it, given the
// catalog: nothing, a masked column's own value (the rule's style applies), or a value
// derived from masked data (redacted whole). Fails closed: a source the catalog does not know,
// a whole row holding a masked column, a user-defined function (it may read any table) and an
// opaque column all count as derived from masked data, as soon as the catalog masks anything.

#include "masking/catalog.h"
#include "sql/statement_facts.h"

namespace gh::masking {

struct LineageMask {
  bool masked = false;
  ColumnMaskRef ref;  // ref.rule may be null when derived: from an unknown source or function
  // A source relation the catalog does not know (created since the snapshot was read).
  bool unknown_relation = false;
};

LineageMask mask_from_lineage(const MaskCatalog& catalog, const sql::OutputColumn& column);

// Whether a built-in function runs SQL text or reads tables it is not given (query_to_xml,
// table_to_xml, cursor_to_xml, ...): its value may hold anything.
bool reads_arbitrary_tables(std::string_view lowercase_name);

// System relations (pg_catalog, information_schema, unqualified pg_*) hold no user data.
bool is_system_relation(const sql::QualifiedName& relation);

// A function whose value may come from any table: a user-defined one (by name, or qualified
// with a schema other than pg_catalog), or a built-in that runs SQL (reads_arbitrary_tables).
bool may_read_any_table(const MaskCatalog& catalog, const sql::QualifiedName& function);

// Whether a statement (nested ones included) reads a relation with masked columns, a relation
// the catalog does not know (then `unknown` is set), or calls may_read_any_table functions.
bool reads_masked_data(const MaskCatalog& catalog, const sql::StatementFacts& f,
                       bool* unknown = nullptr);

}  // namespace gh::masking
