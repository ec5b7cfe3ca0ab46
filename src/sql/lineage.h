#pragma once

// Output-column lineage (StatementFacts::output_columns): for a statement whose rows reach the
// client, where each output column's value comes from. Internal to gh_sql; TreeWalk calls it
// once the generic walk of a statement has succeeded.
//
// A walk of its own over the same JSON tree, of only the parts that produce values: select
// lists, FROM items, CTEs, set-operation arms, VALUES rows, RETURNING, and the expressions in
// them (scalar subqueries included). Filters — WHERE, JOIN ... ON, GROUP BY, HAVING, ORDER BY,
// DISTINCT ON, LIMIT — do not feed output values and are not walked. A filter can still leak a
// value by inference (WHERE ssn LIKE '1%' returning a count); that is out of lineage's scope.
//
// Names are resolved the way PostgreSQL's parser resolves them, but without a catalog: an
// unqualified column with several relations in scope yields one candidate per relation that may
// have it (the masking layer asks the catalog which does), and a column of an unknown shape
// (a set-returning function's) is derived from everything the function was given. Whatever the
// walk does not understand makes the column opaque or the lineage incomplete; it never drops a
// source.
//
// Allocation: none once warm. Values are views into the DOM, kept in pools that are reused from
// one statement to the next; only the final OutputColumns are built as strings.

#include <cstdint>
#include <string_view>
#include <vector>

#include "sql/parse_tree.h"
#include "sql/statement_facts.h"

namespace gh::sql {

class LineageWalk {
 public:
  explicit LineageWalk(int max_depth) : max_depth_(max_depth) {}

  // A SELECT body (VALUES and set operations included).
  void select_statement(tree::object select, StatementFacts& facts);
  // INSERT / UPDATE / DELETE / MERGE with RETURNING ("InsertStmt", ...).
  void dml_statement(std::string_view type, tree::object body, StatementFacts& facts);
  // A query node, {"SelectStmt": ...} or a DML statement: COPY (query) TO, DECLARE ... FOR.
  void query(tree::element node, StatementFacts& facts);
  // COPY table [(columns)] TO.
  void copy_relation(tree::object copy, StatementFacts& facts);
  // CALL: a procedure's OUT parameters come back as one row of unknown shape.
  void call(tree::object func_call, StatementFacts& facts);

 private:
  // Where a value comes from: a column or whole row (column "") of a relation, or a function
  // it passes through (`function`: the name is in schema/relation).
  struct Src {
    std::string_view catalog, schema, relation, column;
    bool function = false;
    bool operator==(const Src&) const = default;
  };
  struct Range {
    uint32_t begin = 0, end = 0;
    uint32_t size() const { return end - begin; }
  };
  // One output column of a select, or one column of a FROM item.
  struct Col {
    std::string_view name;
    Range srcs;    // into srcs_
    Range except;  // star: columns left out (into names_)
    bool direct = false;
    bool star = false;     // all columns of one relation (srcs = its whole row), catalog order
    bool opaque = false;   // lineage unknown beyond srcs
    bool unknown = false;  // columns of unknown number and names (a function's result)
  };
  // A FROM item in scope: a table or view, a subquery / CTE / function / VALUES, or a join.
  struct Item {
    std::string_view refname;
    std::string_view catalog, schema;  // a table or view: for schema.table.column refs
    Range cols;                        // into cols_ (a table or view: one `*` column)
    bool by_name = true;               // t.col and t.* can name it
    bool qualifiable = false;          // an unaliased table: schema.table.col can name it
    bool unqualified = true;     // its columns answer unqualified names (joins: its members do)
    bool names_unknown = false;  // renamed columns past a star: any name may be any column
    bool shape_unknown = false;  // NATURAL join: `*` over it has an unknown column list
    bool root = false;           // a top-level FROM item, for `*`
  };
  struct Level {
    uint32_t items_begin = 0;
    bool hidden = false;  // while a non-LATERAL subquery of its FROM list is walked
  };
  struct Cte {
    std::string_view name;
    Range cols;
    bool pending = false;  // WITH RECURSIVE: named, not yet computed
    bool names_unknown = false;
  };
  enum class Match : uint8_t { kNone, kPossible, kDefinite };
  // A column reference's names, [[[catalog.]schema.]relation.]column or [...relation.]*.
  struct ColumnName {
    std::string_view parts[4];
    size_t n = 0;
    bool star = false;
  };

  class Guard {
   public:
    explicit Guard(LineageWalk& w) : w_(w) {
      if (++w_.depth_ > w_.max_depth_) w_.give_up();
    }
    ~Guard() { --w_.depth_; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    bool stop() const { return w_.stopped_; }

   private:
    LineageWalk& w_;
  };

  void begin(StatementFacts& facts);
  void finish(Range cols);
  void give_up() {
    stopped_ = true;
    incomplete_ = true;
  }

  // ---- statements, CTEs and select lists (lineage_walk.cpp) ----
  Range select(tree::object body);
  Range query_node(tree::element node);
  Range set_operation(Range left, Range right);
  Range values(tree::array rows);
  void with_clause(tree::object with);
  void cte_query(tree::object cte, size_t index, bool recursive);
  Range rename(Range cols, tree::array names, bool& names_unknown);
  void target_list(tree::array targets);
  void star_target(const ColumnName& ref);
  void expand_star(const Item& item);

  // ---- FROM items (lineage_from.cpp) ----
  void from_list(tree::array items);
  void from_item(tree::element node);
  void relation_item(tree::object range_var, bool may_be_cte);
  void function_item(tree::object range_function);
  void join_item(tree::object join);
  void add_item(Item item, const tree::object* alias);
  void add_item(Item item, tree::object body);  // applies the alias in `body`

  // ---- DML ... RETURNING (lineage_dml.cpp) ----
  Range dml(std::string_view type, tree::object body);

  // ---- expressions and names (lineage_expr.cpp) ----
  void expr(tree::element e);
  static bool read_column_ref(tree::object column_ref, ColumnName& out);  // false: malformed
  bool column_ref(const ColumnName& ref);  // true when the value is a column's own value
  bool resolve(const std::string_view* parts, size_t n);
  bool unqualified(std::string_view name);
  Match lookup(const Item& item, std::string_view name, bool& direct);
  void whole_row(const Item& item);
  int find_item(std::string_view catalog, std::string_view schema, std::string_view name) const;
  void add_src(const Src& s);
  void add_srcs(Range r);
  void add_cols(Range cols);  // every source of the columns
  void add_function(tree::array name_parts);
  size_t level_end(size_t l) const {
    return l + 1 < levels_.size() ? levels_[l + 1].items_begin : items_.size();
  }
  void spend(uint64_t units) {
    work_ += units;
    if (work_ > kWorkLimit) give_up();
  }
  // Accumulation frames: the sources gathered in acc_ while a frame is open become one pooled
  // range when it closes (deduplicated); frames nest (a subquery inside an expression).
  struct Frame {
    uint32_t saved_mark;
    bool saved_opaque;
  };
  Frame open_frame();
  Range close_frame(Frame f, bool* opaque = nullptr);
  void push_col(const Col& c) { out_.push_back(c); }
  Range close_cols(uint32_t mark);  // out_ from mark -> a range of cols_

  // Work per statement (nodes visited, sources gathered, scope entries searched): past it the
  // lineage is given up as incomplete. Bounds time and the pools' memory on hostile input.
  static constexpr uint64_t kWorkLimit = uint64_t{1} << 18;
  // Sources in one statement's output_columns, at most (see finish()).
  static constexpr size_t kMaxOutputSources = 8192;
  static constexpr size_t kMaxOutputColumns = 1664;
  // WITH RECURSIVE: passes over a recursive query before its columns are widened to the union
  // of all their sources (a fixpoint by construction).
  static constexpr int kRecursionPasses = 4;

  int max_depth_;
  int depth_ = 0;
  uint32_t acc_mark_ = 0;  // where the innermost open frame starts in acc_
  uint64_t work_ = 0;
  bool stopped_ = false;     // a bound was hit: stop walking
  bool incomplete_ = false;  // lineage_complete = false
  bool opaque_ = false;      // the expression being accumulated has an opaque part
  StatementFacts* facts_ = nullptr;

  std::vector<Src> srcs_;                // pooled, immutable once a range is closed
  std::vector<Src> acc_;                 // open accumulation frames
  std::vector<Col> cols_;                // pooled columns of items and selects
  std::vector<Col> out_;                 // open select lists
  std::vector<std::string_view> names_;  // pooled star exception lists
  std::vector<Item> items_;
  std::vector<Level> levels_;
  std::vector<Cte> ctes_;
};

}  // namespace gh::sql
