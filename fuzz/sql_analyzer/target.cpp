// The SQL analyzer on arbitrary bytes: a client controls every Query and Parse text. Must never
// crash, hang, leak or overflow the stack (libpg_query recurses without a stack check; the
// nesting bound before parsing is what keeps it safe). Besides analyzing, each input checks two
// invariants:
//   - the nesting estimate is never below the one computed from libpg_query's own tokens
//     (pg_query_scan), so no lexer disagreement can smuggle a deep tree past the bound;
//   - the facts are well formed (statement ranges inside the text, unparseable means one
//     statement with a message) and a second analysis is a cache hit returning the same object.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../tests/unit/sql/scan_oracle.h"
#include "sql/analyzer.h"
#include "sql/nesting_scan.h"

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "sql_analyzer invariant broken: %s\n", what);
  std::abort();
}

void check(const gh::sql::AnalyzedSql& a, std::string_view sql) {
  using gh::sql::StatementKind;
  if (!a.parsed()) {
    if (a.statements.size() != 1 || a.statements[0].error.message.empty()) {
      fail("unparseable without exactly one statement and a message");
    }
    return;
  }
  for (const auto& s : a.statements) {
    if (s.kind == StatementKind::kUnparseable) fail("unparseable statement in a parsed text");
    if (size_t{s.text_offset} + s.text_length > sql.size()) fail("statement range past the text");
    gh::sql::for_each_statement(s, [](const gh::sql::StatementFacts& f) {
      if (gh::sql::to_string(f.kind) == "unknown") fail("kind out of range");
      for (const auto& r : f.relations_read) {
        if (r.name.empty()) fail("relation without a name");
      }
    });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gh::sql::Analyzer analyzer;
  static gh::sql::NestingScan scan;
  const std::string_view sql(reinterpret_cast<const char*>(data), size);

  const gh::sql::AnalyzedSql& first = analyzer.analyze(sql);
  check(first, sql);
  if (size <= analyzer.options().max_cached_sql_bytes && &analyzer.analyze(sql) != &first) {
    fail("second analysis of the same text is not the cached facts");
  }

  if (sql.find('\0') == std::string_view::npos) {
    if (auto tokens = gh::sql::testing::scan_tokens(std::string(sql))) {
      if (scan.estimate(sql, 1 << 30) < gh::sql::testing::oracle_estimate(*tokens)) {
        fail("nesting estimate below the one from PostgreSQL's tokens");
      }
    }
  }
  return 0;
}
