#pragma once

// The mask plan of one result, from what the server says of its columns (RowDescription: the
// table OID and column number of a column that is a table column's own value) and what the
// analyzer says of the statement (output-column lineage), resolved against the catalog:
//
//   1. A column the server traces to a table or view column gets that column's mask.
//   2. A column whose lineage reaches masked data gets the rule's style if it is that column's
//      own value, else it is redacted whole (upper(ssn), row_to_json(c), ssn || '', a user
//      function's result).
//   3. Without usable lineage (none, incomplete, or not matching the result's columns), every
//      column the server does not trace to a table column is redacted whole when the statement
//      reads masked data, a relation the snapshot does not know, or a user function (fail
//      closed).
//   4. Any other text-like column is scanned by the detector rules, if any apply.
//
// A column masked whole whose type is not a string type (numbers, dates, arrays, JSON,
// records) gets NULL instead of its style: a client parses each value by its type, and
// "****" is no integer.

#include <memory>
#include <span>
#include <vector>

#include "masking/catalog.h"
#include "masking/plan.h"
#include "sql/statement_facts.h"

namespace gh::masking {

// One column of a result as the server describes it (COPY: table_oid 0, type_oid 0).
struct ResultColumn {
  uint32_t table_oid = 0;
  int16_t attnum = 0;
  uint32_t type_oid = 0;
  ValueFormat format = ValueFormat::kText;
};

// The masking that applies to one session: the catalog resolved for its column rules, and its
// detector rules merged into one set.
struct SessionMasking {
  std::shared_ptr<const MaskCatalog> catalog;  // null: not read yet (everything unknown)
  std::shared_ptr<const DetectorSet> detectors;
  Style detect_style;
  const MaskRule* detect_rule = nullptr;  // the (first) detector rule, for counts
  const HashKey* hash_key = nullptr;
  bool has_column_rules = false;

  bool active() const { return has_column_rules || detectors != nullptr; }
};

struct PlannedResult {
  MaskPlan plan;
  std::vector<const MaskRule*> rules;  // per column: the rule that masks it (null: none known)
  // A relation the snapshot does not know: the session should read the catalog again.
  bool stale_catalog = false;
};

// Whether a type's binary form is its text (text, varchar, bpchar, name, json, unknown).
bool is_text_type(uint32_t type_oid);
// The same without json: a value that may be replaced by "****" and still parse as its type.
bool is_string_type(uint32_t type_oid);

void plan_result(const SessionMasking& session, std::span<const ResultColumn> columns,
                 const sql::StatementFacts* facts, PlannedResult& out);

}  // namespace gh::masking
