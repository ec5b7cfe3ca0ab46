// Lineage: SELECT, set operations, VALUES, CTEs and select lists; the entry points.

#include <algorithm>
#include <array>
#include <string>

#include "sql/lineage.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

// VALUES columns are column1, column2, ...; past the table, a name no reference can match.
std::string_view values_column_name(size_t i) {
  static const auto* names = [] {
    auto* n = new std::array<std::string, 100>;
    for (size_t k = 0; k < n->size(); ++k) (*n)[k] = "column" + std::to_string(k + 1);
    return n;
  }();
  return i < names->size() ? std::string_view((*names)[i]) : std::string_view("?column?");
}

// The name PostgreSQL gives an unaliased select-list entry, roughly (informational only).
std::string_view figure_name(std::string_view type, object body) {
  element arg;
  while (type == "TypeCast" && tree::member(body, "arg", arg)) {  // x::text is named x
    if (!tree::as_node(arg, type, body)) return "?column?";
  }
  array parts;
  if (type == "ColumnRef" && tree::array_member(body, "fields", parts))
    return tree::last_string(parts);
  if (type == "FuncCall" && tree::array_member(body, "funcname", parts))
    return tree::last_string(parts);
  if (type == "A_Indirection" && tree::array_member(body, "indirection", parts)) {
    std::string_view field = tree::last_string(parts);
    if (!field.empty()) return field;
  }
  if (type == "CaseExpr") return "case";
  if (type == "CoalesceExpr") return "coalesce";
  return "?column?";
}

bool star_indirection(object indirection) {
  array list;
  if (!tree::array_member(indirection, "indirection", list)) return false;
  element last;
  bool any = false;
  for (element e : list) {
    last = e;
    any = true;
  }
  object star;
  return any && tree::node_of_type(last, "A_Star", star);
}

}  // namespace

void LineageWalk::select_statement(object select, StatementFacts& facts) {
  begin(facts);
  finish(this->select(select));
}

void LineageWalk::dml_statement(std::string_view type, object body, StatementFacts& facts) {
  begin(facts);
  finish(dml(type, body));
}

void LineageWalk::query(element node, StatementFacts& facts) {
  begin(facts);
  finish(query_node(node));
}

LineageWalk::Range LineageWalk::query_node(element node) {
  std::string_view type;
  object body;
  if (!tree::as_node(node, type, body)) {
    incomplete_ = true;
    return {};
  }
  if (type == "SelectStmt") return select(body);
  if (type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" || type == "MergeStmt") {
    return dml(type, body);
  }
  incomplete_ = true;
  return {};
}

LineageWalk::Range LineageWalk::select(object body) {
  Guard guard(*this);
  if (guard.stop()) return {};
  // One pass over the members (each at_key would be a scan of its own).
  object with, left, right;
  array from, targets, rows;
  bool has_with = false, has_left = false, has_right = false, has_from = false, has_targets = false,
       has_rows = false, set_op = false;
  for (auto field : body) {
    const std::string_view key = field.key;
    if (key == "targetList") {
      has_targets = field.value.get_array().get(targets) == simdjson::SUCCESS;
    } else if (key == "fromClause") {
      has_from = field.value.get_array().get(from) == simdjson::SUCCESS;
    } else if (key == "withClause") {
      has_with = field.value.get_object().get(with) == simdjson::SUCCESS;
    } else if (key == "op") {
      std::string_view op;
      set_op = field.value.get_string().get(op) == simdjson::SUCCESS && op != "SETOP_NONE";
    } else if (key == "larg") {  // set-operation arms are bare SelectStmt bodies
      has_left = field.value.get_object().get(left) == simdjson::SUCCESS;
    } else if (key == "rarg") {
      has_right = field.value.get_object().get(right) == simdjson::SUCCESS;
    } else if (key == "valuesLists") {
      has_rows = field.value.get_array().get(rows) == simdjson::SUCCESS;
    }
    // WHERE, GROUP BY, HAVING, ORDER BY, DISTINCT ON, LIMIT and window clauses only choose and
    // order rows; they are not walked (a filter can leak by inference; out of scope).
  }
  const size_t ctes = ctes_.size();
  if (has_with) with_clause(with);
  Range result;
  if (set_op) {
    if (has_left && has_right) {
      const Range l = select(left);
      const Range r = select(right);
      result = set_operation(l, r);
    } else {
      incomplete_ = true;
    }
  } else if (has_rows) {
    result = values(rows);
  } else {
    levels_.push_back({static_cast<uint32_t>(items_.size()), false});
    if (has_from) from_list(from);
    const auto mark = static_cast<uint32_t>(out_.size());
    if (has_targets) target_list(targets);
    result = close_cols(mark);
    items_.resize(levels_.back().items_begin);
    levels_.pop_back();
  }
  ctes_.resize(ctes);
  return result;
}

// Per position, the union of both arms; direct only if both are. Positions are unknown past a
// `*` (its width comes from the catalog), so a set operation over one is incomplete.
LineageWalk::Range LineageWalk::set_operation(Range left, Range right) {
  const auto mark = static_cast<uint32_t>(out_.size());
  if (left.size() != right.size()) incomplete_ = true;
  for (uint32_t i = 0; i < left.size(); ++i) {
    Frame f = open_frame();
    const Col& l = cols_[left.begin + i];
    Col c;
    c.name = l.name;
    c.direct = l.direct;
    c.opaque = l.opaque;
    add_srcs(l.srcs);
    if (l.star || l.unknown) incomplete_ = true;
    if (i < right.size()) {
      const Col& r = cols_[right.begin + i];
      c.direct = c.direct && r.direct;
      c.opaque = c.opaque || r.opaque;
      add_srcs(r.srcs);
      if (r.star || r.unknown) incomplete_ = true;
    }
    bool opaque = false;
    c.srcs = close_frame(f, &opaque);
    c.opaque = c.opaque || opaque;
    push_col(c);
  }
  return close_cols(mark);
}

// VALUES (...), (...): column k is the union of every row's k-th expression.
LineageWalk::Range LineageWalk::values(array rows) {
  const auto mark = static_cast<uint32_t>(out_.size());
  size_t width = 0;
  bool first = true;
  for (element row : rows) {
    object list;
    array items;
    if (!tree::node_of_type(row, "List", list) || !tree::array_member(list, "items", items)) {
      incomplete_ = true;
      continue;
    }
    size_t k = 0;
    for (element item : items) {
      Frame f = open_frame();
      expr(item);
      bool opaque = false;
      const Range r = close_frame(f, &opaque);
      if (first) {
        Col c;
        c.name = values_column_name(k);
        c.srcs = r;
        c.opaque = opaque;
        push_col(c);
      } else if (k < width) {
        if (r.size() > 0 || opaque) {
          Frame g = open_frame();
          add_srcs(out_[mark + k].srcs);
          add_srcs(r);
          const Range merged = close_frame(g);
          out_[mark + k].srcs = merged;
          out_[mark + k].opaque = out_[mark + k].opaque || opaque;
        }
      } else {
        incomplete_ = true;
      }
      ++k;
      if (stopped_) break;
    }
    if (first) width = k;
    if (k != width) incomplete_ = true;
    first = false;
    if (stopped_) break;
  }
  return close_cols(mark);
}

void LineageWalk::with_clause(object with) {
  array ctes;
  if (!tree::array_member(with, "ctes", ctes)) return;
  // WITH RECURSIVE: every name is visible in every CTE query, even before it is computed.
  const bool recursive = tree::bool_member(with, "recursive");
  const size_t first = ctes_.size();
  if (recursive) {
    for (element c : ctes) {
      object cte;
      if (!tree::node_of_type(c, "CommonTableExpr", cte)) continue;
      ctes_.push_back({tree::string_member(cte, "ctename"), {}, true, false});
    }
  }
  size_t k = first;
  for (element c : ctes) {
    object cte;
    if (!tree::node_of_type(c, "CommonTableExpr", cte)) {
      incomplete_ = true;
      continue;
    }
    if (recursive) {
      cte_query(cte, k++, true);
    } else {
      ctes_.push_back({tree::string_member(cte, "ctename"), {}, true, false});
      cte_query(cte, ctes_.size() - 1, false);
    }
    if (stopped_) return;
  }
}

// Computes the columns of CTE `index`. A recursive one is computed from its non-recursive arm
// first, then again with its own columns from the previous pass until they stop growing.
void LineageWalk::cte_query(object cte, size_t index, bool recursive) {
  element query;
  if (!tree::member(cte, "ctequery", query)) {
    incomplete_ = true;
    return;
  }
  array aliases;
  const bool renamed = tree::array_member(cte, "aliascolnames", aliases);
  auto publish = [&](Range cols) {
    bool names_unknown = false;
    if (renamed) cols = rename(cols, aliases, names_unknown);
    ctes_[index].cols = cols;
    ctes_[index].pending = false;
    ctes_[index].names_unknown = names_unknown;
  };
  object select_body, seed_body;
  if (!recursive || !tree::node_of_type(query, "SelectStmt", select_body) ||
      !tree::is_set_operation(select_body) ||
      !tree::object_member(select_body, "larg", seed_body)) {
    // Not self-referencing: while computed, the name means nothing yet (ctes_[index] pending)
    // or, if not recursive, a real table of that name (the CTE becomes visible after).
    if (!recursive) ctes_[index].name = {};
    const Range cols = query_node(query);
    ctes_[index].name = tree::string_member(cte, "ctename");
    publish(cols);
    return;
  }
  auto signature = [this](Range cols) {
    uint64_t s = 0;
    for (uint32_t i = cols.begin; i < cols.end; ++i) {
      const Col& c = cols_[i];
      s += 4 * uint64_t{c.srcs.size()} + (c.direct ? 0 : 2) + (c.opaque ? 1 : 0);
    }
    return s;
  };
  publish(select(seed_body));
  uint64_t before = signature(ctes_[index].cols);
  for (int pass = 0; pass < kRecursionPasses && !stopped_; ++pass) {
    publish(select(select_body));
    const uint64_t after = signature(ctes_[index].cols);
    if (after == before) return;
    before = after;
  }
  // Not settled: every column may come from any source any of them has.
  const Range cols = ctes_[index].cols;
  Frame f = open_frame();
  add_cols(cols);
  bool opaque = false;
  const Range all = close_frame(f, &opaque);
  const auto mark = static_cast<uint32_t>(out_.size());
  for (uint32_t i = cols.begin; i < cols.end; ++i) {
    Col c = cols_[i];
    c.srcs = all;
    c.direct = c.star = c.unknown = false;
    c.opaque = opaque;
    push_col(c);
  }
  ctes_[index].cols = close_cols(mark);
}

// Column aliases (t(a, b), WITH c(a, b)) rename the first columns. Past a `*` or a function's
// columns the positions are unknown: then any name may be any column.
LineageWalk::Range LineageWalk::rename(Range cols, array names, bool& names_unknown) {
  const auto mark = static_cast<uint32_t>(out_.size());
  auto name = names.begin();
  for (uint32_t i = cols.begin; i < cols.end; ++i) {
    Col c = cols_[i];
    if (name != names.end() && !names_unknown) {
      if (c.star || c.unknown) {
        names_unknown = true;
      } else {
        tree::string_node(*name, c.name);
        ++name;
      }
    }
    push_col(c);
  }
  return close_cols(mark);
}

// ---- select lists ----

void LineageWalk::target_list(array targets) {
  for (element target : targets) {
    object res, value;
    element val;
    std::string_view type, name;
    bool has_val = false;
    if (tree::node_of_type(target, "ResTarget", res)) {
      for (auto field : res) {
        if (field.key == "val") {
          val = field.value;
          has_val = true;
        } else if (field.key == "name") {
          name = tree::string_value(field.value);
        }
      }
    }
    if (!has_val || !tree::as_node(val, type, value)) {
      incomplete_ = true;
      continue;
    }
    Col c;
    if (stopped_) {  // a bound was hit: keep the positions, not the lineage
      c.name = name.empty() ? std::string_view("?column?") : name;
      c.opaque = true;
      push_col(c);
      continue;
    }
    if (type == "ColumnRef") {
      ColumnName ref;
      const bool readable = read_column_ref(value, ref);
      if (readable && ref.star) {
        star_target(ref);
        continue;
      }
      c.name = name.empty() && ref.n > 0 ? ref.parts[ref.n - 1] : name;
      Frame f = open_frame();
      if (readable) {
        c.direct = column_ref(ref);
      } else {
        opaque_ = incomplete_ = true;
      }
      c.srcs = close_frame(f, &c.opaque);
      push_col(c);
      continue;
    }
    c.name = name.empty() ? figure_name(type, value) : name;
    Frame f = open_frame();
    const bool composite_star = type == "A_Indirection" && star_indirection(value);
    expr(val);
    c.srcs = close_frame(f, &c.opaque);
    if (composite_star) {  // (f(x)).*: a composite's columns, how many is the catalog's business
      c.name = "*";
      c.unknown = c.opaque = true;
    }
    push_col(c);
  }
}

// `*`: every top-level FROM item of this query in order; `t.*`: that item's columns.
void LineageWalk::star_target(const ColumnName& ref) {
  const size_t n = ref.n;
  if (n == 0) {
    bool any = false;
    for (size_t i = levels_.back().items_begin; i < items_.size(); ++i) {
      if (!items_[i].root) continue;
      expand_star(items_[i]);
      any = true;
    }
    if (!any) incomplete_ = true;
    return;
  }
  const int i = find_item(n == 3 ? ref.parts[0] : std::string_view(),
                          n >= 2 ? ref.parts[n - 2] : std::string_view(), ref.parts[n - 1]);
  if (i < 0) {
    Col c;
    c.name = "*";
    c.opaque = c.unknown = true;
    push_col(c);
    return;
  }
  expand_star(items_[static_cast<size_t>(i)]);
}

void LineageWalk::expand_star(const Item& item) {
  if (item.shape_unknown) incomplete_ = true;
  for (uint32_t i = item.cols.begin; i < item.cols.end; ++i) push_col(cols_[i]);
}

}  // namespace gh::sql
