#pragma once

// A cheap estimate of how deep the parse tree of a SQL text will be, computed before parsing.
// libpg_query builds and prints its tree recursively with no stack check, so a deep enough tree
// overflows the stack. Parentheses are not the only source of depth: `1+1+1+...` is a left-deep
// chain of operators with no parentheses at all (100k of them crash on an 8 MB stack).
//
// The estimate is an upper bound on the tree depth that matters:
//   - every open '(' '[' and CASE adds a level;
//   - inside a level, every operator token (a run of operator characters, `::`) and every
//     operator keyword (NOT IS ISNULL NOTNULL LIKE ILIKE SIMILAR BETWEEN IN COLLATE AT
//     OVERLAPS ESCAPE OPERATOR) adds one; a ',' or ';' ends the expression and resets that
//     count, and AND/OR reset it to 1, since PostgreSQL flattens AND/OR chains into one node
//     and every operator binds tighter than AND/OR;
//   - UNION INTERSECT EXCEPT JOIN chains bind looser than AND/OR and are not ended by commas,
//     so they are counted separately and reset only by ';'.
// The estimate at a point is the number of open levels plus the counts of all open levels.
//
// To know which parentheses are code, the scan follows PostgreSQL's lexer (scan.l, PG 15) for
// everything that hides text: -- and nested /* */ comments, '...' strings with '' doubling,
// E'...' strings with backslash escapes, U&'...', B'...', X'...', N'...', quote continuation
// across a newline, "..." identifiers, $tag$...$tag$ dollar quotes (only at a token start:
// `a$b$` is an identifier), and $1 parameters. The unit tests compare it with libpg_query's own
// scanner (pg_query_scan) on tricky and random inputs.

#include <string_view>
#include <vector>

namespace gh::sql {

class NestingScan {
 public:
  // The estimated depth, or a value above `limit` as soon as it exceeds it (the scan stops).
  int estimate(std::string_view sql, int limit);

 private:
  struct Level {
    int outer;  // open levels plus the counts of all enclosing levels
    int expr;   // operators in the current expression at this level
    int chain;  // set operations and joins at this level
    bool is_case;
  };
  std::vector<Level> levels_;  // reused between calls; at most limit + 2 entries
};

}  // namespace gh::sql
