#include "masking/result_plan.h"

#include <algorithm>

#include "masking/lineage_mask.h"

namespace gh::masking {

namespace {

// PostgreSQL gives objects it creates at initdb OIDs below this; user relations get OIDs from
// here on. A RowDescription column of a lower table OID is a system catalog's.
constexpr uint32_t kFirstNormalObjectId = 16384;

// The masks lineage gives each result column, `*` expanded with the catalog; false when the
// lineage cannot be used (none, incomplete, a `*` the catalog cannot expand, or another
// number of columns than the result has).
bool lineage_masks(const MaskCatalog& cat, const sql::StatementFacts& f, size_t n,
                   std::vector<LineageMask>& out) {
  out.clear();
  if (!f.has_lineage || !f.lineage_complete) return false;
  for (const sql::OutputColumn& oc : f.output_columns) {
    if (!oc.star) {
      out.push_back(mask_from_lineage(cat, oc));
      continue;
    }
    if (oc.sources.size() != 1) return false;
    const sql::QualifiedName& rel = oc.sources.front().relation;
    const MaskCatalog::Relation* r = cat.relation(rel.schema, rel.name);
    if (r == nullptr) return false;
    for (const MaskCatalog::Column& c : r->columns) {
      if (std::find(oc.star_except.begin(), oc.star_except.end(), c.name) != oc.star_except.end())
        continue;
      LineageMask m;
      if (c.mask.rule != nullptr || c.mask.derived) {
        m.masked = true;
        m.ref = c.mask;
      }
      out.push_back(m);
    }
  }
  return out.size() == n;
}

}  // namespace

bool is_text_type(uint32_t oid) {
  switch (oid) {
    case 25:    // text
    case 1043:  // varchar
    case 1042:  // bpchar
    case 19:    // name
    case 114:   // json
    case 705:   // unknown
    case 0:     // not described (COPY)
      return true;
    default:
      return false;
  }
}

bool is_string_type(uint32_t oid) { return oid != 114 && is_text_type(oid); }

void plan_result(const SessionMasking& session, std::span<const ResultColumn> columns,
                 const sql::StatementFacts* facts, PlannedResult& out) {
  const size_t n = columns.size();
  out.plan.columns.assign(n, ColumnMask{});
  out.plan.hash_key = session.hash_key;
  out.plan.detectors = session.detectors.get();
  out.rules.assign(n, nullptr);
  out.stale_catalog = false;
  if (!session.active()) {
    out.plan.columns.clear();
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    out.plan.columns[i].format = columns[i].format;
    out.plan.columns[i].text_type = is_text_type(columns[i].type_oid);
  }
  const MaskCatalog* cat = session.catalog.get();
  auto mask = [&](size_t i, const ColumnMaskRef& ref) {
    out.plan.columns[i].action = ColumnAction::kMask;
    // A whole value of any type but a string cannot be replaced by a look-alike its client
    // would still parse (an int, a date, an array, JSON): it becomes NULL, in either format.
    out.plan.columns[i].style = is_string_type(columns[i].type_oid) ? ref.style() : Style::null();
    out.rules[i] = ref.rule;
  };
  if (session.has_column_rules) {
    if (cat == nullptr) {
      // No snapshot: nothing can be told apart. Fail closed.
      for (size_t i = 0; i < n; ++i) mask(i, ColumnMaskRef{nullptr, true});
      out.stale_catalog = true;
      return;
    }
    thread_local std::vector<LineageMask> lineage;
    const bool have_lineage = facts != nullptr && lineage_masks(*cat, *facts, n, lineage);
    bool unknown = false;
    const bool untraced_masked =
        !have_lineage && (facts == nullptr ? !cat->empty() : reads_masked_data(*cat, *facts, &unknown));
    if (unknown) out.stale_catalog = true;
    for (size_t i = 0; i < n; ++i) {
      const ResultColumn& c = columns[i];
      if (c.table_oid >= kFirstNormalObjectId) {
        // The server traced the value to this table or view column.
        if (!cat->knows(c.table_oid)) {
          out.stale_catalog = true;
          mask(i, ColumnMaskRef{nullptr, true});
        } else if (const ColumnMaskRef* ref = cat->column(c.table_oid, c.attnum)) {
          mask(i, *ref);
        }
        continue;
      }
      if (c.table_oid != 0) continue;  // a system catalog's column
      if (have_lineage) {
        const LineageMask& m = lineage[i];
        if (m.unknown_relation) out.stale_catalog = true;
        if (m.masked) mask(i, m.ref);
      } else if (untraced_masked) {
        mask(i, ColumnMaskRef{nullptr, true});
      }
    }
  }
  if (session.detectors != nullptr) {
    for (size_t i = 0; i < n; ++i) {
      ColumnMask& c = out.plan.columns[i];
      if (c.action != ColumnAction::kPass) continue;
      if (c.format == ValueFormat::kBinary && !c.text_type) continue;
      c.action = ColumnAction::kDetect;
      c.style = session.detect_style;
      out.rules[i] = session.detect_rule;
    }
  }
  if (!out.plan.masks_anything()) out.plan.columns.clear();
}

}  // namespace gh::masking
