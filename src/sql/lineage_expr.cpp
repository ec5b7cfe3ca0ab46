// Lineage: expressions, name resolution, the pools, and the final OutputColumns.

#include <algorithm>
#include <tuple>

#include "sql/lineage.h"

namespace gh::sql {

using tree::array;
using tree::element;
using tree::object;

namespace {

// Pools grown past this by one huge statement are given back instead of kept.
constexpr size_t kKeptPoolEntries = size_t{1} << 14;
// Within this many entries of a frame, duplicates are caught as they come.
constexpr size_t kEagerDedup = 16;

template <typename Pool>
void reset_pool(Pool& pool) {
  if (pool.capacity() > kKeptPoolEntries) {
    Pool().swap(pool);
  } else {
    pool.clear();
  }
}

bool is_leaf(std::string_view type) {
  return type == "A_Const" || type == "String" || type == "Integer" || type == "Float" ||
         type == "Boolean" || type == "BitString" || type == "ParamRef" ||
         type == "SQLValueFunction" || type == "TypeName";
}

}  // namespace

void LineageWalk::begin(StatementFacts& facts) {
  facts_ = &facts;
  depth_ = 0;
  work_ = 0;
  stopped_ = incomplete_ = opaque_ = false;
  acc_mark_ = 0;
  reset_pool(srcs_);
  reset_pool(acc_);
  reset_pool(cols_);
  reset_pool(out_);
  reset_pool(names_);
  reset_pool(items_);
  reset_pool(levels_);
  reset_pool(ctes_);
}

void LineageWalk::finish(Range cols) {
  StatementFacts& f = *facts_;
  f.has_lineage = true;
  f.output_columns.clear();
  // PostgreSQL refuses more than 1664 result columns (MaxTupleAttributeNumber).
  if (cols.size() > kMaxOutputColumns) {
    f.lineage_complete = false;
    facts_ = nullptr;
    return;
  }
  f.output_columns.reserve(cols.size());
  // Facts are cached: a statement whose lineage would be huge (hundreds of columns, each a
  // candidate of hundreds of tables) keeps its columns without sources, incomplete.
  size_t total = 0;
  for (uint32_t i = cols.begin; i < cols.end; ++i) total += cols_[i].srcs.size();
  const bool keep_sources = !stopped_ && total <= kMaxOutputSources;
  if (!keep_sources) incomplete_ = true;
  for (uint32_t i = cols.begin; i < cols.end; ++i) {
    Col c = cols_[i];
    if (!keep_sources) {
      c.srcs = c.except = {};
      c.opaque = true;
      c.star = false;
    }
    OutputColumn& o = f.output_columns.emplace_back();
    o.name.assign(c.name);
    o.star = c.star;
    o.opaque = c.opaque || c.unknown;
    // A column of unknown width leaves every later position unknown too.
    if (c.unknown) incomplete_ = true;
    size_t functions = 0;
    for (uint32_t s = c.srcs.begin; s < c.srcs.end; ++s) functions += srcs_[s].function ? 1 : 0;
    o.sources.reserve(c.srcs.size() - functions);
    o.functions.reserve(functions);
    for (uint32_t s = c.srcs.begin; s < c.srcs.end; ++s) {
      const Src& src = srcs_[s];
      QualifiedName* name;
      if (src.function) {
        name = &o.functions.emplace_back();
      } else {
        ColumnSource& source = o.sources.emplace_back();
        source.column.assign(src.column);
        name = &source.relation;
      }
      name->catalog.assign(src.catalog);
      name->schema.assign(src.schema);
      name->name.assign(src.relation);
    }
    o.direct = c.direct && !o.opaque && !c.star && !o.sources.empty();
    for (uint32_t e = c.except.begin; e < c.except.end; ++e) o.star_except.emplace_back(names_[e]);
  }
  f.lineage_complete = !incomplete_;
  facts_ = nullptr;
}

// ---- pools ----

LineageWalk::Frame LineageWalk::open_frame() {
  Frame f{acc_mark_, opaque_};
  acc_mark_ = static_cast<uint32_t>(acc_.size());
  opaque_ = false;
  return f;
}

LineageWalk::Range LineageWalk::close_frame(Frame f, bool* opaque) {
  auto first = acc_.begin() + acc_mark_;
  if (acc_.size() - acc_mark_ > kEagerDedup) {
    auto key = [](const Src& s) {
      return std::tie(s.relation, s.column, s.schema, s.catalog, s.function);
    };
    std::sort(first, acc_.end(), [&](const Src& a, const Src& b) { return key(a) < key(b); });
    acc_.erase(std::unique(first, acc_.end()), acc_.end());
  }
  Range r{static_cast<uint32_t>(srcs_.size()), 0};
  srcs_.insert(srcs_.end(), first, acc_.end());
  r.end = static_cast<uint32_t>(srcs_.size());
  acc_.resize(acc_mark_);
  if (opaque != nullptr) *opaque = opaque_;
  acc_mark_ = f.saved_mark;
  opaque_ = f.saved_opaque;
  return r;
}

LineageWalk::Range LineageWalk::close_cols(uint32_t mark) {
  Range r{static_cast<uint32_t>(cols_.size()), 0};
  cols_.insert(cols_.end(), out_.begin() + mark, out_.end());
  r.end = static_cast<uint32_t>(cols_.size());
  out_.resize(mark);
  return r;
}

void LineageWalk::add_src(const Src& s) {
  spend(1);
  if (stopped_) return;
  const size_t n = acc_.size() - acc_mark_;
  const size_t look = n < kEagerDedup ? n : kEagerDedup;
  for (size_t i = acc_.size() - look; i < acc_.size(); ++i) {
    if (acc_[i] == s) return;
  }
  acc_.push_back(s);
}

void LineageWalk::add_srcs(Range r) {
  for (uint32_t i = r.begin; i < r.end; ++i) add_src(srcs_[i]);
}

void LineageWalk::add_cols(Range cols) {
  for (uint32_t i = cols.begin; i < cols.end; ++i) {
    const Col& c = cols_[i];
    add_srcs(c.srcs);
    if (c.opaque) opaque_ = true;
  }
}

void LineageWalk::add_function(array parts) {
  std::string_view p[3];
  size_t n = 0;
  for (element part : parts) {
    std::string_view s;
    if (!tree::string_node(part, s) || n == 3) return;
    p[n++] = s;
  }
  if (n == 0) return;
  Src s;
  s.function = true;
  s.relation = p[n - 1];
  if (n >= 2) s.schema = p[n - 2];
  if (n == 3) s.catalog = p[0];
  add_src(s);
}

// ---- expressions ----

// The union of every column and whole row the expression reads. Only column references,
// subqueries and function names matter; every other node is walked for what is inside it.
void LineageWalk::expr(element e) {
  Guard guard(*this);
  if (guard.stop()) return;
  spend(1);
  if (e.type() == simdjson::dom::element_type::ARRAY) {
    array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return;
    for (element item : a) {
      if (tree::is_container(item)) expr(item);
      if (stopped_) return;
    }
    return;
  }
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return;
  auto it = o.begin();
  if (it == o.end()) return;
  object body = o;
  std::string_view type;
  if (tree::is_node_type(it.key())) {
    type = it.key();
    if (it.value().get_object().get(body) != simdjson::SUCCESS || is_leaf(type)) return;
    if (type == "ColumnRef") {
      ColumnName ref;
      if (read_column_ref(body, ref)) {
        column_ref(ref);
      } else {
        opaque_ = incomplete_ = true;  // PostgreSQL refuses these
      }
      return;
    }
    if (type == "SelectStmt") {  // scalar, EXISTS, IN, ARRAY(...) subqueries
      add_cols(select(body));
      return;
    }
    if (type.size() > 4 && type.substr(type.size() - 4) == "Stmt") {
      opaque_ = incomplete_ = true;  // no other statement belongs in an expression
      return;
    }
  }
  for (auto field : body) {
    if (type == "FuncCall" && field.key == "funcname") {
      array parts;
      if (field.value.get_array().get(parts) == simdjson::SUCCESS) add_function(parts);
    } else if (tree::is_container(field.value)) {
      expr(field.value);
    }
    if (stopped_) return;
  }
}

bool LineageWalk::read_column_ref(object column_ref, ColumnName& out) {
  array fields;
  if (!tree::array_member(column_ref, "fields", fields)) return false;
  for (element f : fields) {
    std::string_view s;
    object star;
    if (out.star) return false;  // nothing follows a star
    if (tree::string_node(f, s)) {
      if (out.n == 4) return false;  // PostgreSQL refuses more dotted names
      out.parts[out.n++] = s;
    } else if (tree::node_of_type(f, "A_Star", star) && out.n < 4) {
      out.star = true;
    } else {
      return false;
    }
  }
  return out.n > 0 || out.star;
}

bool LineageWalk::column_ref(const ColumnName& ref) {
  const size_t n = ref.n;
  if (!ref.star) return resolve(ref.parts, n);
  // t.* in an expression (row_to_json(t.*), ROW(t.*)): the whole row.
  if (n == 0) {
    bool any = false;
    for (size_t l = levels_.size(); l-- > 0 && !any;) {
      if (levels_[l].hidden) continue;
      for (size_t i = levels_[l].items_begin; i < level_end(l); ++i) {
        if (items_[i].root) {
          whole_row(items_[i]);
          any = true;
        }
      }
    }
    if (!any) opaque_ = incomplete_ = true;
    return false;
  }
  const int i = find_item(n == 3 ? ref.parts[0] : std::string_view(),
                          n >= 2 ? ref.parts[n - 2] : std::string_view(), ref.parts[n - 1]);
  if (i < 0) {
    opaque_ = incomplete_ = true;
    return false;
  }
  whole_row(items_[static_cast<size_t>(i)]);
  return false;
}

// parts[0..n): [[catalog.]schema.]relation.column, or a column followed by composite fields.
bool LineageWalk::resolve(const std::string_view* parts, size_t n) {
  if (n == 1) return unqualified(parts[0]);
  const int i = find_item(n == 4 ? parts[0] : std::string_view(),
                          n >= 3 ? parts[n - 3] : std::string_view(), parts[n - 2]);
  if (i < 0) {
    // Not a relation's column: a field of a composite column (a.b, t.a.b), part of its value.
    resolve(parts, n - 1);
    return false;
  }
  const Item& item = items_[static_cast<size_t>(i)];
  bool direct = true;
  if (lookup(item, parts[n - 1], direct) == Match::kNone) {
    whole_row(item);  // a subquery without that column: PostgreSQL refuses it
    opaque_ = incomplete_ = true;
    return false;
  }
  return direct;
}

// An unqualified name: a column of any relation in scope, innermost query level first. Without
// a catalog, each table or view in scope is a candidate; a subquery's named column is certain
// and ends the search outward. If no column can be meant, the name is a whole row.
bool LineageWalk::unqualified(std::string_view name) {
  bool direct = true, any = false, certain = false;
  for (size_t l = levels_.size(); l-- > 0 && !certain && !stopped_;) {
    if (levels_[l].hidden) continue;
    for (size_t i = levels_[l].items_begin; i < level_end(l) && !stopped_; ++i) {
      if (!items_[i].unqualified) continue;
      const Match m = lookup(items_[i], name, direct);
      any = any || m != Match::kNone;
      certain = certain || m == Match::kDefinite;
    }
  }
  if (!certain) {
    const int i = find_item({}, {}, name);
    if (i >= 0) {
      whole_row(items_[static_cast<size_t>(i)]);
      return false;
    }
  }
  if (!any) {
    opaque_ = incomplete_ = true;
    return false;
  }
  return direct;
}

LineageWalk::Match LineageWalk::lookup(const Item& item, std::string_view name, bool& direct) {
  spend(1 + item.cols.size());
  if (item.names_unknown) {
    whole_row(item);
    direct = false;
    return Match::kPossible;
  }
  Match m = Match::kNone;
  for (uint32_t i = item.cols.begin; i < item.cols.end; ++i) {
    const Col& c = cols_[i];
    if (c.star) {
      const auto first = names_.begin() + c.except.begin;
      const auto last = names_.begin() + c.except.end;
      if (std::find(first, last, name) != last) continue;
      for (uint32_t s = c.srcs.begin; s < c.srcs.end; ++s) {
        Src src = srcs_[s];
        if (src.function) continue;
        src.column = name;
        add_src(src);
      }
      if (m == Match::kNone) m = Match::kPossible;
    } else if (c.unknown) {
      add_srcs(c.srcs);
      opaque_ = opaque_ || c.opaque;
      direct = false;
      if (m == Match::kNone) m = Match::kPossible;
    } else if (c.name == name) {
      add_srcs(c.srcs);
      opaque_ = opaque_ || c.opaque;
      direct = direct && c.direct;
      m = Match::kDefinite;
    }
  }
  return m;
}

void LineageWalk::whole_row(const Item& item) { add_cols(item.cols); }

// The FROM item a qualified name means, innermost query level first; -1 if none.
int LineageWalk::find_item(std::string_view catalog, std::string_view schema,
                           std::string_view name) const {
  for (size_t l = levels_.size(); l-- > 0;) {
    if (levels_[l].hidden) continue;
    for (size_t i = levels_[l].items_begin; i < level_end(l); ++i) {
      const Item& item = items_[i];
      if (!item.by_name || item.refname != name) continue;
      if (!schema.empty()) {
        // schema.table.column names an unaliased table only, written with that schema or
        // without one (PostgreSQL would check it is the same table; assume so).
        if (!item.qualifiable || (!item.schema.empty() && item.schema != schema)) continue;
        if (!catalog.empty() && !item.catalog.empty() && item.catalog != catalog) continue;
      }
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace gh::sql
