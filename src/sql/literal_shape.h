#pragma once

// The literal shape of a SQL text: the text with every plain numeric and string literal
// replaced by a placeholder byte. `SELECT abalance FROM a WHERE aid = 17` and `... aid = 42`
// share a shape, so a simple-protocol workload that inlines its values (pgbench -S, most ORMs
// without server-side prepare) is parsed once per shape instead of once per text.
//
// Two texts share a shape only if they are byte-identical outside the literals the scanner
// replaced. The scanner is deliberately narrow, and gives up (no shape) rather than guess:
// - replaced: '...' strings (with '' inside) and unsigned numbers (12, 1.5, 1e-3) that stand
//   alone as tokens;
// - copied as they are: identifiers, "quoted identifiers", $n parameters, operators,
//   -- and nested /* */ comments, $tag$ dollar-quoted bodies, numbers glued to a name or a dot;
// - no shape at all: a string with a backslash (its meaning depends on
//   standard_conforming_strings), a quote right after a name character (E'', B'', X'', U&'',
//   N''), an unterminated string, comment, quoted identifier or dollar quote, a stray `$`, and
//   any text that already holds a placeholder byte.
//
// Facts derived from a literal's value (StatementFacts::depends_on_literals) must not be
// shared by shape; the Analyzer checks that before it files facts under a shape.

#include <string>
#include <string_view>
#include <vector>

namespace gh::sql {

constexpr char kNumberPlaceholder = '\x01';
constexpr char kStringPlaceholder = '\x02';

// A replaced literal: bytes [start, end) of the text.
struct LiteralSpan {
  size_t start = 0;
  size_t end = 0;
  char placeholder = kNumberPlaceholder;
};

// Writes the shape of `sql` into `shape` (replacing its contents). Returns the number of
// literals replaced, or -1 when the text has no shape (see above). `spans`, when given, receives
// where they were (tests check them against PostgreSQL's own scanner).
int literal_shape(std::string_view sql, std::string& shape,
                  std::vector<LiteralSpan>* spans = nullptr);

}  // namespace gh::sql
