// Lineage: INSERT / UPDATE / DELETE / MERGE ... RETURNING, and COPY table TO.

#include <algorithm>

#include "sql/lineage.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

void LineageWalk::copy_relation(object copy, StatementFacts& facts) {
  begin(facts);
  object rel;
  if (!tree::object_member(copy, "relation", rel)) {
    incomplete_ = true;
    finish({});
    return;
  }
  Src src{tree::string_member(rel, "catalogname"),
          tree::string_member(rel, "schemaname"),
          tree::string_member(rel, "relname"),
          {}};
  const auto mark = static_cast<uint32_t>(out_.size());
  array columns;
  if (tree::array_member(copy, "attlist", columns)) {  // COPY t (a, b) TO
    for (element c : columns) {
      Col col;
      if (!tree::string_node(c, col.name)) continue;
      Frame f = open_frame();
      src.column = col.name;
      add_src(src);
      col.srcs = close_frame(f);
      col.direct = true;
      push_col(col);
    }
  } else {
    Col col;
    col.name = "*";
    col.star = true;
    Frame f = open_frame();
    add_src(src);
    col.srcs = close_frame(f);
    push_col(col);
  }
  finish(close_cols(mark));
}

void LineageWalk::call(object func_call, StatementFacts& facts) {
  begin(facts);
  Col c;
  c.name = "*";
  c.unknown = c.opaque = true;
  Frame f = open_frame();
  for (auto field : func_call) {
    array parts;
    if (field.key == "funcname" && field.value.get_array().get(parts) == simdjson::SUCCESS) {
      add_function(parts);
    } else if (tree::is_container(field.value)) {
      expr(field.value);
    }
  }
  c.srcs = close_frame(f);
  const auto mark = static_cast<uint32_t>(out_.size());
  push_col(c);
  finish(close_cols(mark));
}

// RETURNING sees the target (under its alias) and UPDATE's FROM / DELETE's USING items. A
// returned column of the target shows the value the statement wrote there, so it also derives
// from what was written: the INSERT's rows, the SET expressions.
LineageWalk::Range LineageWalk::dml(std::string_view type, object body) {
  Guard guard(*this);
  if (guard.stop()) return {};
  const size_t ctes = ctes_.size();
  object with;
  if (tree::object_member(body, "withClause", with)) with_clause(with);
  levels_.push_back({static_cast<uint32_t>(items_.size()), false});
  object target;
  Src written;
  if (tree::object_member(body, "relation", target)) {
    relation_item(target, false);  // a DML target is always a table
    items_.back().root = true;
    written = srcs_[cols_[items_.back().cols.begin].srcs.begin];
  } else {
    incomplete_ = true;
  }
  Frame f = open_frame();
  element source;
  if (type == "InsertStmt") {
    if (tree::member(body, "selectStmt", source)) {
      levels_.back().hidden = true;  // the inserted query does not see the target
      add_cols(query_node(source));
      levels_.back().hidden = false;
    }
    object conflict;
    array set;
    if (tree::object_member(body, "onConflictClause", conflict) &&
        tree::array_member(conflict, "targetList", set)) {
      // EXCLUDED is the row proposed for insertion.
      bool opaque = false;
      const Range proposed = close_frame(f, &opaque);
      f = open_frame();
      add_srcs(proposed);
      Col c;
      c.srcs = proposed;
      c.unknown = true;
      c.opaque = opaque;
      cols_.push_back(c);
      Item excluded;
      excluded.refname = "excluded";
      excluded.cols = {static_cast<uint32_t>(cols_.size() - 1),
                       static_cast<uint32_t>(cols_.size())};
      items_.push_back(excluded);
      if (opaque) opaque_ = true;
      for (element t : set) {
        object res;
        if (tree::node_of_type(t, "ResTarget", res) && tree::member(res, "val", source)) {
          expr(source);
        }
      }
      items_.pop_back();
    }
  } else if (type == "UpdateStmt" || type == "DeleteStmt") {
    array from;
    if (tree::array_member(body, type == "UpdateStmt" ? "fromClause" : "usingClause", from)) {
      from_list(from);
    }
    array set;
    if (tree::array_member(body, "targetList", set)) {
      for (element t : set) {
        object res;
        if (tree::node_of_type(t, "ResTarget", res) && tree::member(res, "val", source)) {
          expr(source);
        }
      }
    }
  } else {  // MERGE: what its actions write
    if (tree::member(body, "sourceRelation", source)) from_item(source);
    if (!items_.empty()) items_.back().root = true;
    element actions;
    if (tree::member(body, "mergeWhenClauses", actions)) expr(actions);
  }
  bool written_opaque = false;
  const Range writes = close_frame(f, &written_opaque);

  const auto mark = static_cast<uint32_t>(out_.size());
  array returning;
  if (tree::array_member(body, "returningList", returning)) target_list(returning);
  for (uint32_t i = mark; i < out_.size(); ++i) {
    Col& c = out_[i];
    bool of_target = false;
    for (uint32_t s = c.srcs.begin; s < c.srcs.end && !of_target; ++s) {
      const Src& src = srcs_[s];
      of_target = !src.function && src.relation == written.relation &&
                  src.schema == written.schema && src.catalog == written.catalog;
    }
    if (!of_target || (writes.size() == 0 && !written_opaque)) continue;
    Frame g = open_frame();
    add_srcs(c.srcs);
    const size_t own = acc_.size() - acc_mark_;
    for (uint32_t s = writes.begin; s < writes.end; ++s) {
      const Src& src = srcs_[s];
      // A `*` of the target covers the target's own columns; it cannot carry others.
      if (c.star && !src.function && src.relation == written.relation &&
          src.schema == written.schema && src.catalog == written.catalog) {
        continue;
      }
      if (c.star && !src.function) incomplete_ = true;
      if (!c.star || src.function) add_src(src);
    }
    if (acc_.size() - acc_mark_ > own) c.direct = false;
    c.opaque = c.opaque || written_opaque;
    const Range merged = close_frame(g);
    out_[i].srcs = merged;
  }
  const Range result = close_cols(mark);
  items_.resize(levels_.back().items_begin);
  levels_.pop_back();
  ctes_.resize(ctes);
  return result;
}

}  // namespace gh::sql
