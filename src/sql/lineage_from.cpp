// Lineage: FROM items — tables, CTE references, subqueries, functions, joins.

#include <algorithm>

#include "sql/lineage.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

void LineageWalk::from_list(array items) {
  for (element item : items) {
    const size_t before = items_.size();
    from_item(item);
    if (items_.size() > before) items_.back().root = true;
    if (stopped_) return;
  }
}

void LineageWalk::from_item(element node) {
  Guard guard(*this);
  if (guard.stop()) return;
  std::string_view type;
  object body;
  if (!tree::as_node(node, type, body)) {
    incomplete_ = true;
    return;
  }
  if (type == "RangeVar") {
    relation_item(body, true);
  } else if (type == "RangeSubselect") {
    // Only a LATERAL subquery sees the FROM items before it.
    const bool hidden = levels_.back().hidden;
    if (!tree::bool_member(body, "lateral")) levels_.back().hidden = true;
    element sub;
    Item item;
    if (tree::member(body, "subquery", sub)) {
      item.cols = query_node(sub);
    } else {
      incomplete_ = true;
    }
    levels_.back().hidden = hidden;
    add_item(item, body);
  } else if (type == "RangeFunction") {
    function_item(body);
  } else if (type == "JoinExpr") {
    join_item(body);
  } else if (type == "RangeTableSample") {
    element rel;
    if (tree::member(body, "relation", rel)) {
      from_item(rel);
    } else {
      incomplete_ = true;
    }
  } else {
    // XMLTABLE (RangeTableFunc) and anything newer: columns derived from all it reads.
    if (type != "RangeTableFunc") incomplete_ = true;
    Frame f = open_frame();
    expr(node);
    Col c;
    c.name = "*";
    c.unknown = true;
    c.srcs = close_frame(f, &c.opaque);
    cols_.push_back(c);
    Item item;
    item.cols = {static_cast<uint32_t>(cols_.size() - 1), static_cast<uint32_t>(cols_.size())};
    add_item(item, body);
  }
}

// A table or view (one `*` column: the masking layer knows its columns), or a CTE in scope.
void LineageWalk::relation_item(object range_var, bool may_be_cte) {
  Src src;
  object alias;
  bool aliased = false;
  for (auto field : range_var) {  // one pass: string_member would scan once per member
    const std::string_view key = field.key;
    if (key == "relname") {
      src.relation = tree::string_value(field.value);
    } else if (key == "schemaname") {
      src.schema = tree::string_value(field.value);
    } else if (key == "catalogname") {
      src.catalog = tree::string_value(field.value);
    } else if (key == "alias") {
      aliased = field.value.get_object().get(alias) == simdjson::SUCCESS;
    }
  }
  Item item;
  item.refname = src.relation;
  if (may_be_cte && src.schema.empty() && src.catalog.empty()) {
    for (size_t i = ctes_.size(); i-- > 0;) {
      const Cte& cte = ctes_[i];
      if (cte.name != src.relation) continue;
      if (cte.pending) incomplete_ = true;  // a forward reference in WITH RECURSIVE
      item.cols = cte.cols;
      item.names_unknown = cte.names_unknown || cte.pending;
      add_item(item, aliased ? &alias : nullptr);
      return;
    }
  }
  item.catalog = src.catalog;
  item.schema = src.schema;
  item.qualifiable = true;
  Col c;
  c.name = "*";
  c.star = true;
  c.srcs = {static_cast<uint32_t>(srcs_.size()), static_cast<uint32_t>(srcs_.size() + 1)};
  srcs_.push_back(src);
  cols_.push_back(c);
  item.cols = {static_cast<uint32_t>(cols_.size() - 1), static_cast<uint32_t>(cols_.size())};
  add_item(item, aliased ? &alias : nullptr);
}

// A function in FROM: its columns derive from its arguments (and whatever the function reads
// itself: its name goes with them). Their number and names are known only from a column
// definition list; otherwise it is one column of unknown width.
void LineageWalk::function_item(object range_function) {
  Frame f = open_frame();
  element functions;
  std::string_view name;
  if (tree::member(range_function, "functions", functions)) {
    expr(functions);
    array list, items, funcname;
    object pair, call;
    if (functions.get_array().get(list) == simdjson::SUCCESS && list.size() == 1 &&
        tree::node_of_type(list.at(0).value_unsafe(), "List", pair) &&
        tree::array_member(pair, "items", items) && items.size() > 0 &&
        tree::node_of_type(items.at(0).value_unsafe(), "FuncCall", call) &&
        tree::array_member(call, "funcname", funcname)) {
      name = tree::last_string(funcname);
    }
  }
  bool opaque = false;
  const Range srcs = close_frame(f, &opaque);
  const auto mark = static_cast<uint32_t>(out_.size());
  array coldefs;
  if (!tree::bool_member(range_function, "is_rowsfrom") &&
      tree::array_member(range_function, "coldeflist", coldefs)) {
    for (element d : coldefs) {
      object def;
      Col c;
      c.srcs = srcs;
      c.opaque = opaque;
      if (tree::node_of_type(d, "ColumnDef", def)) c.name = tree::string_member(def, "colname");
      push_col(c);
    }
    if (tree::bool_member(range_function, "ordinality")) {
      Col c;
      c.name = "ordinality";
      push_col(c);
    }
  } else {
    Col c;
    c.name = name;
    c.srcs = srcs;
    c.opaque = opaque;
    c.unknown = true;
    push_col(c);
  }
  Item item;
  item.refname = name;
  item.cols = close_cols(mark);
  add_item(item, range_function);
}

// A join's columns: JOIN USING lists each merged column once, first (the value is the left's
// or the right's; COALESCE of both for FULL JOIN), then each side without them. Its members
// stay in scope by their own names unless the join has an alias.
void LineageWalk::join_item(object join) {
  const size_t first = items_.size();
  element side;
  if (tree::member(join, "larg", side)) from_item(side);
  const size_t left_index = items_.size() - 1;
  if (tree::member(join, "rarg", side)) from_item(side);
  if (items_.size() < first + 2 || left_index < first) {
    incomplete_ = true;
    return;
  }
  const Item left = items_[left_index];
  const Item right = items_.back();
  const auto mark = static_cast<uint32_t>(out_.size());
  Item item;
  item.by_name = item.unqualified = false;
  item.shape_unknown = left.shape_unknown || right.shape_unknown;
  array using_names;
  if (tree::array_member(join, "usingClause", using_names)) {
    const auto merged_begin = static_cast<uint32_t>(names_.size());
    for (element u : using_names) {
      Col c;
      if (!tree::string_node(u, c.name)) continue;
      Frame f = open_frame();
      c.direct = true;
      const Match l = lookup(left, c.name, c.direct);
      const Match r = lookup(right, c.name, c.direct);
      if (l == Match::kNone || r == Match::kNone) incomplete_ = true;
      c.srcs = close_frame(f, &c.opaque);
      push_col(c);
      names_.push_back(c.name);
    }
    const Range merged{merged_begin, static_cast<uint32_t>(names_.size())};
    for (const Item* s : {&left, &right}) {
      for (uint32_t i = s->cols.begin; i < s->cols.end; ++i) {
        Col c = cols_[i];
        if (c.star) {
          const auto begin = static_cast<uint32_t>(names_.size());
          for (uint32_t e = c.except.begin; e < c.except.end; ++e) names_.push_back(names_[e]);
          for (uint32_t e = merged.begin; e < merged.end; ++e) {
            const std::string_view n = names_[e];
            if (std::find(names_.begin() + begin, names_.end(), n) == names_.end()) {
              names_.push_back(n);
            }
          }
          c.except = {begin, static_cast<uint32_t>(names_.size())};
        } else if (!c.unknown &&
                   std::find(names_.begin() + merged.begin, names_.begin() + merged.end, c.name) !=
                       names_.begin() + merged.end) {
          continue;
        }
        push_col(c);
      }
    }
  } else {
    // NATURAL JOIN merges the columns both sides have: unknown without the catalog.
    if (tree::bool_member(join, "isNatural")) item.shape_unknown = true;
    for (const Item* s : {&left, &right}) {
      for (uint32_t i = s->cols.begin; i < s->cols.end; ++i) push_col(cols_[i]);
    }
  }
  item.cols = close_cols(mark);
  object alias;
  if (tree::object_member(join, "alias", alias)) {
    for (size_t i = first; i < items_.size(); ++i) items_[i].by_name = false;
  }
  add_item(item, join);
}

void LineageWalk::add_item(Item item, const object* alias) {
  spend(1);
  if (alias != nullptr) {
    item.refname = tree::string_member(*alias, "aliasname");
    item.by_name = true;
    item.qualifiable = false;
    array names;
    if (tree::array_member(*alias, "colnames", names)) {
      item.cols = rename(item.cols, names, item.names_unknown);
    }
  }
  items_.push_back(item);
}

void LineageWalk::add_item(Item item, object body) {
  object alias;
  const bool aliased = tree::object_member(body, "alias", alias);
  add_item(item, aliased ? &alias : nullptr);
}

}  // namespace gh::sql
