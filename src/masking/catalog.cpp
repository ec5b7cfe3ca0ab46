#include "masking/catalog.h"

#include "masking/lineage_mask.h"
#include "sql/analyzer.h"

namespace gh::masking {

namespace {

// Passes over the views before giving up on a fixpoint (views on views on views ...): each
// pass settles at least one more level, so a chain deeper than this is masked whole.
constexpr int kViewPasses = 16;

const MaskRule* match(const std::vector<const MaskRule*>& rules, const CatalogColumn& c) {
  for (const MaskRule* r : rules) {
    if (!r->is_column_rule()) continue;
    for (const ColumnPattern& p : r->columns)
      if (p.matches(c.schema, c.table, c.column)) return r;
  }
  return nullptr;
}

bool same(const ColumnMaskRef& a, const ColumnMaskRef& b) {
  return a.rule == b.rule && a.derived == b.derived;
}

}  // namespace

std::string MaskCatalog::name_key(std::string_view schema, std::string_view table) {
  std::string k;
  k.reserve(schema.size() + table.size() + 1);
  k.append(schema).push_back('\0');
  k.append(table);
  return k;
}

MaskCatalog MaskCatalog::build(const CatalogSnapshot& snapshot,
                               const std::vector<const MaskRule*>& rules,
                               sql::Analyzer* analyzer) {
  MaskCatalog cat;
  cat.user_functions_ = snapshot.user_functions;
  for (const CatalogColumn& c : snapshot.columns) {
    if (cat.relations_.empty() || cat.relations_.back().oid != c.table_oid) {
      Relation r;
      r.oid = c.table_oid;
      r.schema = c.schema;
      r.name = c.table;
      r.relkind = c.relkind;
      cat.relations_.push_back(std::move(r));
    }
    Relation& r = cat.relations_.back();
    Column col;
    col.name = c.column;
    col.attnum = c.attnum;
    col.type_oid = c.type_oid;
    col.mask.rule = match(rules, c);
    r.columns.push_back(std::move(col));
  }
  cat.index();
  if (analyzer != nullptr && !snapshot.views.empty()) cat.resolve_views(snapshot, *analyzer);
  for (Relation& r : cat.relations_) {
    r.masked = false;
    for (const Column& c : r.columns) {
      if (c.mask.rule != nullptr || c.mask.derived) {
        r.masked = true;
        ++cat.masked_columns_;
      }
    }
  }
  return cat;
}

void MaskCatalog::index() {
  by_oid_.clear();
  by_name_.clear();
  by_unqualified_.clear();
  for (size_t i = 0; i < relations_.size(); ++i) {
    const Relation& r = relations_[i];
    by_oid_[r.oid] = i;
    by_name_[name_key(r.schema, r.name)] = i;
    by_unqualified_[r.name].push_back(i);
  }
}

// A view's columns are its definition's output columns, in order. Each pass recomputes every
// view from what the previous passes found, until nothing changes.
void MaskCatalog::resolve_views(const CatalogSnapshot& snapshot, sql::Analyzer& analyzer) {
  // A column masked by its own rule (a `*.*.ssn` pattern naming a view column) keeps it.
  std::vector<std::pair<size_t, std::shared_ptr<const sql::AnalyzedSql>>> views;
  for (const CatalogView& v : snapshot.views) {
    auto it = by_oid_.find(v.oid);
    if (it == by_oid_.end()) continue;
    views.emplace_back(it->second, analyzer.analyze_shared(v.definition));
  }
  for (int pass = 0; pass < kViewPasses; ++pass) {
    // Derived-masked sources need masked_columns_ > 0 to count (mask_from_lineage returns
    // early on an empty catalog): count what is masked so far.
    masked_columns_ = 0;
    for (const Relation& r : relations_)
      for (const Column& c : r.columns)
        if (c.mask.rule != nullptr || c.mask.derived) ++masked_columns_;
    for (Relation& r : relations_) {
      r.masked = false;
      for (const Column& c : r.columns) r.masked |= c.mask.rule != nullptr || c.mask.derived;
    }
    if (masked_columns_ == 0) return;
    bool changed = false;
    for (auto& [index, analyzed] : views) {
      Relation& view = relations_[index];
      const sql::StatementFacts* facts =
          analyzed && analyzed->parsed() && analyzed->statements.size() == 1
              ? &analyzed->statements.front()
              : nullptr;
      const bool understood = facts != nullptr && facts->has_lineage && facts->lineage_complete &&
                              facts->output_columns.size() == view.columns.size();
      for (size_t i = 0; i < view.columns.size(); ++i) {
        Column& col = view.columns[i];
        ColumnMaskRef next = col.mask;
        if (!understood) {
          // Not understood: every column is derived from whatever the definition reads.
          if (facts == nullptr || reads_masked_data(*this, *facts)) next.derived = true;
        } else {
          LineageMask m = mask_from_lineage(*this, facts->output_columns[i]);
          if (m.masked && col.mask.rule == nullptr) next = m.ref;
          if (m.masked && m.ref.derived) next.derived = true;
          if (next.derived && next.rule == nullptr) next.rule = m.ref.rule;
        }
        if (!same(next, col.mask)) {
          col.mask = next;
          changed = true;
        }
      }
    }
    if (!changed) return;
  }
  // No fixpoint: views still changing are masked whole.
  for (auto& [index, analyzed] : views)
    for (Column& c : relations_[index].columns) c.mask.derived = true;
}

const MaskCatalog::Relation* MaskCatalog::relation(std::string_view schema,
                                                   std::string_view table) const {
  if (!schema.empty()) {
    auto it = by_name_.find(name_key(schema, table));
    return it == by_name_.end() ? nullptr : &relations_[it->second];
  }
  auto it = by_unqualified_.find(std::string(table));
  if (it == by_unqualified_.end() || it->second.size() != 1) return nullptr;
  return &relations_[it->second.front()];
}

bool MaskCatalog::knows(std::string_view schema, std::string_view table) const {
  if (!schema.empty()) return by_name_.count(name_key(schema, table)) != 0;
  return by_unqualified_.count(std::string(table)) != 0;
}

const ColumnMaskRef* MaskCatalog::column(uint32_t table_oid, int16_t attnum) const {
  auto it = by_oid_.find(table_oid);
  if (it == by_oid_.end()) return nullptr;
  const Relation& r = relations_[it->second];
  for (const Column& c : r.columns)
    if (c.attnum == attnum) return c.mask.rule != nullptr || c.mask.derived ? &c.mask : nullptr;
  return nullptr;
}

const ColumnMaskRef* MaskCatalog::column(std::string_view schema, std::string_view table,
                                         std::string_view column) const {
  auto lookup = [&](const Relation& r) -> const ColumnMaskRef* {
    for (const Column& c : r.columns)
      if (c.name == column && (c.mask.rule != nullptr || c.mask.derived)) return &c.mask;
    return nullptr;
  };
  if (!schema.empty()) {
    auto it = by_name_.find(name_key(schema, table));
    return it == by_name_.end() ? nullptr : lookup(relations_[it->second]);
  }
  // Unqualified: any schema's relation of that name (the search path is the session's).
  auto it = by_unqualified_.find(std::string(table));
  if (it == by_unqualified_.end()) return nullptr;
  for (size_t i : it->second)
    if (const ColumnMaskRef* m = lookup(relations_[i])) return m;
  return nullptr;
}

bool MaskCatalog::has_masked_columns(uint32_t table_oid) const {
  auto it = by_oid_.find(table_oid);
  return it != by_oid_.end() && relations_[it->second].masked;
}

bool MaskCatalog::has_masked_columns(std::string_view schema, std::string_view table) const {
  if (!schema.empty()) {
    auto it = by_name_.find(name_key(schema, table));
    return it != by_name_.end() && relations_[it->second].masked;
  }
  auto it = by_unqualified_.find(std::string(table));
  if (it == by_unqualified_.end()) return false;
  for (size_t i : it->second)
    if (relations_[i].masked) return true;
  return false;
}

}  // namespace gh::masking
