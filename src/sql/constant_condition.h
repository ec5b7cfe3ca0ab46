#pragma once

// Whether a WHERE (or MERGE ... ON) condition holds for every row whatever the data: the
// `DELETE FROM t WHERE 1=1` that a "DELETE needs a WHERE" rule must not accept. It evaluates
// constant expressions the way PostgreSQL would (three-valued logic, unknown-literal coercion to
// boolean and numbers, casts to bool/int/numeric/text) and treats anything it cannot decide as
// not trivially true. See FilterFacts for the exact set of recognized forms.

#include <string_view>

#include "sql/parse_tree.h"

namespace gh::sql {

// `sql` is the analyzed text (see tree::const_int). `read_literals`, when given, is set if the
// answer looked at the value of any literal (`1=1` does, `aid = 5` does not): facts that depend
// on literal values must not be shared between texts that differ only in their literals.
bool is_trivially_true(tree::element condition, std::string_view sql,
                       bool* read_literals = nullptr);

}  // namespace gh::sql
