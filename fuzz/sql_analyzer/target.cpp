// The SQL analyzer on arbitrary bytes: a client controls every Query and Parse text. Must never
// crash, hang, leak or overflow the stack (libpg_query recurses without a stack check; the
// nesting bound before parsing is what keeps it safe). Besides analyzing, each input checks two
// invariants:
//   - the nesting estimate is never below the one computed from libpg_query's own tokens
//     (pg_query_scan), so no lexer disagreement can smuggle a deep tree past the bound;
//   - the facts are well formed (statement ranges inside the text, unparseable means one
//     statement with a message) and a second analysis is a cache hit returning the same object;
//   - output lineage is well formed: only statements that hand rows back carry it, a `*` column
//     names exactly one whole relation, every source names a relation;
//   - every literal the shape scanner replaces is one constant token of PostgreSQL's own scanner
//     (a string may be the second part of one: 'a' 'b' on two lines is one string), and a text of
//     the same shape with other literal values gets, through the shape cache, the facts a fresh
//     parse gives it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../tests/unit/sql/facts_text.h"
#include "../../tests/unit/sql/scan_oracle.h"
#include "sql/analyzer.h"
#include "sql/literal_shape.h"
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
      if (!f.has_lineage && (!f.output_columns.empty() || !f.lineage_complete)) {
        fail("output columns without lineage");
      }
      if (f.has_lineage && f.origin != gh::sql::NestedOrigin::kTopLevel &&
          f.origin != gh::sql::NestedOrigin::kPrepared) {
        fail("lineage on a statement whose rows do not reach the client");
      }
      for (const auto& c : f.output_columns) {
        if (c.star && (c.sources.size() != 1 || !c.sources[0].column.empty() || c.direct)) {
          fail("a star column that is not one whole relation");
        }
        if (!c.star && !c.star_except.empty()) fail("star exceptions on a plain column");
        if (c.direct && (c.opaque || c.sources.empty())) fail("a direct column without a source");
        for (const auto& src : c.sources) {
          if (src.relation.name.empty()) fail("a lineage source without a relation");
        }
      }
    });
  }
}

constexpr int kFconst = 260, kSconst = 261, kIconst = 266;  // pg_query.proto Token

void check_spans(const std::vector<gh::sql::LiteralSpan>& spans,
                 const std::vector<gh::sql::testing::ScanToken>& tokens) {
  size_t t = 0;
  for (const auto& span : spans) {
    while (t < tokens.size() && static_cast<size_t>(tokens[t].end) <= span.start) ++t;
    if (t == tokens.size()) fail("a replaced literal is not a token");
    const auto start = static_cast<size_t>(tokens[t].start);
    const auto end = static_cast<size_t>(tokens[t].end);
    if (span.placeholder == gh::sql::kNumberPlaceholder) {
      if ((tokens[t].token != kIconst && tokens[t].token != kFconst) || start != span.start ||
          end != span.end) {
        fail("a replaced number is not exactly one numeric constant");
      }
    } else if (tokens[t].token != kSconst || start > span.start || end < span.end) {
      fail("a replaced string is not inside one string constant");
    }
  }
}

// The shape with its placeholders filled with other values than the text's.
std::string other_literals(const std::string& shape) {
  static const char* const kNumbers[] = {"0", "1", "7"};
  static const char* const kStrings[] = {"'%'", "'t'", "''"};
  std::string out;
  size_t n = 0;
  for (char c : shape) {
    if (c == gh::sql::kNumberPlaceholder) {
      out += kNumbers[n++ % 3];
    } else if (c == gh::sql::kStringPlaceholder) {
      out += kStrings[n++ % 3];
    } else {
      out += c;
    }
  }
  return out;
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

  std::string shape;
  std::vector<gh::sql::LiteralSpan> spans;
  const int literals = gh::sql::literal_shape(sql, shape, &spans);
  if (sql.find('\0') == std::string_view::npos) {
    if (auto tokens = gh::sql::testing::scan_tokens(std::string(sql))) {
      if (scan.estimate(sql, 1 << 30) < gh::sql::testing::oracle_estimate(*tokens)) {
        fail("nesting estimate below the one from PostgreSQL's tokens");
      }
      if (literals > 0) check_spans(spans, *tokens);
    }
  }
  if (literals > 0 && first.parsed()) {
    const std::string variant = other_literals(shape);
    const std::string via_cache = gh::sql::testing::facts_text(analyzer.analyze(variant));
    gh::sql::AnalyzerOptions fresh_options;
    fresh_options.shape_cache_entries = 0;
    gh::sql::Analyzer fresh(fresh_options);
    const gh::sql::AnalyzedSql& fresh_facts = fresh.analyze(variant);
    if (gh::sql::testing::lineage_text(analyzer.analyze(variant)) !=
        gh::sql::testing::lineage_text(fresh_facts)) {
      std::fprintf(stderr, "variant: %s\n", variant.c_str());
      fail("a text served by shape got another lineage than a fresh parse");
    }
    if (via_cache != gh::sql::testing::facts_text(fresh_facts)) {
      std::fprintf(stderr, "variant: %s\n", variant.c_str());
      fail("a text served by shape got other facts than a fresh parse");
    }
  }
  return 0;
}
