#include "pg/session/masking_hook.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/clock.h"
#include "common/json_writer.h"
#include "masking/lineage_mask.h"
#include "pg/protocol/reader.h"

namespace gh::pg {

namespace {

// The text fields of a DataRow (NULL as an empty view); false if malformed.
bool row_fields(std::string_view body, std::vector<std::string_view>& out) {
  out.clear();
  BodyReader r(body);
  uint16_t n = r.u16();
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    int32_t len = r.i32();
    out.push_back(len < 0 ? std::string_view() : r.bytes(static_cast<size_t>(len)));
  }
  return r.ok();
}

template <typename T>
T number(std::string_view s) {
  T v{};
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool changes_schema(const sql::StatementFacts& f) {
  switch (f.kind) {
    case sql::StatementKind::kDdl:
    case sql::StatementKind::kCreateFunction:
    case sql::StatementKind::kDoBlock:
    case sql::StatementKind::kCall:
    case sql::StatementKind::kOther:
      return true;
    default:
      return false;
  }
}

// Whether a statement writes what it reads somewhere gatehouse does not mask: a table (CREATE
// TABLE AS, SELECT INTO, INSERT/UPDATE/MERGE with a source), or a server-side file or program.
bool copies_data(const sql::StatementFacts& f) {
  if (f.select_into || f.create_table_as) return true;
  switch (f.kind) {
    case sql::StatementKind::kInsert:
    case sql::StatementKind::kUpdate:
    case sql::StatementKind::kMerge:
      return true;
    case sql::StatementKind::kCopy:
      return f.copy.direction == sql::CopyDirection::kTo &&
             f.copy.endpoint != sql::CopyEndpoint::kStdio;
    default:
      return false;
  }
}

// Cursors and SQL-level prepared statements are remembered for FETCH and EXECUTE, at most
// kMaxNamed of each: past that the oldest are forgotten wholesale (a FETCH of a forgotten
// cursor is masked as one of an unknown statement: fails closed).
constexpr size_t kMaxNamed = 1024;

template <typename Map, typename V>
void remember(Map& map, const std::string& name, V value) {
  if (map.size() >= kMaxNamed && map.find(name) == map.end()) map.clear();
  map[name] = std::move(value);
}

masking::CopyFormat copy_format(const sql::CopyFacts& c) {
  masking::CopyFormat f = c.format == sql::CopyFormatKind::kCsv ? masking::CopyFormat::csv()
                                                                 : masking::CopyFormat::text();
  if (!c.delimiter.empty()) f.delimiter = c.delimiter.front();
  if (c.has_null_string) f.null_string = c.null_string;
  if (f.kind == masking::CopyFormat::Kind::kCsv) {
    if (!c.quote.empty()) f.quote = c.quote.front();
    f.escape = c.escape.empty() ? f.quote : c.escape.front();
  }
  f.header = c.header;
  return f;
}

}  // namespace

MaskingHook::MaskingHook(MaskingState& state, MaskingState::ForSession rules,
                         sql::Analyzer& analyzer, std::string session_id, std::string connection,
                         std::string database, GatewayCounters* counters)
    : state_(state),
      counters_(counters),
      session_(std::move(rules.masking)),
      column_rules_(std::move(rules.column_rules)),
      analyzer_(analyzer),
      session_id_(std::move(session_id)),
      connection_(std::move(connection)),
      database_(std::move(database)) {
  catalog_key_ = MaskingState::catalog_key(connection_, database_, rules.key);
}

std::string_view MaskingHook::catalog_query() {
  static const std::string q = std::string(masking::kCatalogQuery) + ";\n" +
                               std::string(masking::kViewQuery) + ";\n" +
                               std::string(masking::kFunctionQuery);
  return q;
}

bool MaskingHook::wants_catalog(int64_t now_ns) {
  if (!session_.has_column_rules) return false;
  if (!stale_ && session_.catalog != nullptr &&
      now_ns - catalog_read_ns_ <= MaskingState::kCatalogTtlNs)
    return false;
  if (!stale_) {
    int64_t read_ns = 0;
    if (auto shared = state_.cached_catalog(catalog_key_, now_ns, &read_ns)) {
      session_.catalog = std::move(shared);
      catalog_read_ns_ = read_ns;
      return false;
    }
  }
  loading_ = masking::CatalogSnapshot{};
  return true;
}

void MaskingHook::on_internal_row(size_t result, std::string_view body) {
  thread_local std::vector<std::string_view> f;
  if (!row_fields(body, f)) return;
  if (result == 0 && f.size() == 7) {
    masking::CatalogColumn c;
    c.table_oid = number<uint32_t>(f[0]);
    c.schema.assign(f[1]);
    c.table.assign(f[2]);
    c.relkind = f[3].empty() ? 'r' : f[3].front();
    c.attnum = number<int16_t>(f[4]);
    c.column.assign(f[5]);
    c.type_oid = number<uint32_t>(f[6]);
    loading_.columns.push_back(std::move(c));
  } else if (result == 1 && f.size() == 2) {
    loading_.views.push_back(masking::CatalogView{number<uint32_t>(f[0]), std::string(f[1])});
  } else if (result == 2 && f.size() == 1) {
    loading_.user_functions.emplace(f[0]);
  }
}

void MaskingHook::on_internal_done(std::string_view sqlstate, std::string_view message) {
  if (counters_ != nullptr) counters_->mask_catalog_reads.fetch_add(1, std::memory_order_relaxed);
  if (!sqlstate.empty()) {
    if (counters_ != nullptr)
      counters_->mask_catalog_failures.fetch_add(1, std::memory_order_relaxed);
    // Keep what we had (none: every result is redacted whole until a read succeeds).
    if (!catalog_failed_logged_) {
      spdlog::warn("session {}: masking: reading the catalog failed ({} {}); results are "
                   "masked whole until it succeeds",
                   session_id_, sqlstate, message);
      catalog_failed_logged_ = true;
    }
    loading_ = masking::CatalogSnapshot{};
    return;
  }
  auto cat = std::make_shared<const masking::MaskCatalog>(
      masking::MaskCatalog::build(loading_, column_rules_, &analyzer_));
  loading_ = masking::CatalogSnapshot{};
  int64_t now = steady_now_ns();
  state_.store_catalog(catalog_key_, cat, now);
  session_.catalog = std::move(cat);
  catalog_read_ns_ = now;
  stale_ = false;
}

bool MaskingHook::copies_masked_data(const sql::StatementFacts& f) const {
  return copies_data(f) && reads_masked_columns(f);
}

bool MaskingHook::reads_masked(const sql::StatementFacts& f) const {
  if (session_.detectors != nullptr) return true;
  return reads_masked_columns(f);
}

bool MaskingHook::reads_masked_columns(const sql::StatementFacts& f) const {
  if (!session_.has_column_rules) return false;
  if (session_.catalog == nullptr) return true;
  const masking::MaskCatalog& cat = *session_.catalog;
  return !cat.empty() && masking::reads_masked_data(cat, f);
}

Verdict MaskingHook::on_statement(const StatementStart& s) {
  if (!session_.active() || s.at_parse) return Verdict::Allow();
  if (s.prior != nullptr && !s.prior->allow) return Verdict::Allow();  // refused already
  std::shared_ptr<const sql::AnalyzedSql> analyzed = analyzer_.analyze_shared(s.sql);
  Pending p;
  p.id = s.id;
  if (analyzed && analyzed->parsed()) {
    for (size_t i = 0; i < analyzed->statements.size(); ++i) {
      const sql::StatementFacts& f = analyzed->statements[i];
      if (f.kind == sql::StatementKind::kCopy && f.copy.direction == sql::CopyDirection::kTo &&
          f.copy.endpoint == sql::CopyEndpoint::kStdio &&
          (f.copy.format == sql::CopyFormatKind::kBinary || f.copy.unknown_options) &&
          reads_masked(f)) {
        return Verdict::Refuse(
            "42501",
            f.copy.unknown_options
                ? "gatehouse masks the rows of this COPY, and cannot with these options; use "
                  "COPY ... TO STDOUT with FORMAT text or csv and DELIMITER, NULL, QUOTE, "
                  "ESCAPE or HEADER only"
                : "gatehouse masks the rows of this COPY, and cannot in binary format; use "
                  "FORMAT text or csv");
      }
      if (f.kind == sql::StatementKind::kCursor && f.has_lineage && !f.name.empty())
        remember(cursors_, f.name, Named{analyzed, i});
      if (f.kind == sql::StatementKind::kPrepare && f.has_lineage && !f.name.empty())
        remember(prepared_, f.name, Named{analyzed, i});
      if (f.kind == sql::StatementKind::kDeallocate) {
        if (f.all) {
          prepared_.clear();
        } else {
          prepared_.erase(f.name);
        }
      }
      p.changes_schema |= changes_schema(f);
    }
  }
  p.sql = std::move(analyzed);
  pending_.push_back(std::move(p));
  return Verdict::Allow();
}

void MaskingHook::on_end(uint64_t id, std::chrono::nanoseconds, bool skipped) {
  while (!pending_.empty() && pending_.front().id <= id) {
    if (pending_.front().changes_schema && !skipped) {
      stale_ = true;
      state_.invalidate(connection_, database_);
    }
    pending_.pop_front();
  }
}

const sql::StatementFacts* MaskingHook::facts_for(uint64_t id) {
  for (Pending& p : pending_) {
    if (p.id != id) continue;
    if (!p.sql || !p.sql->parsed() || p.result >= p.sql->statements.size()) return nullptr;
    const sql::StatementFacts& f = p.sql->statements[p.result];
    const std::unordered_map<std::string, Named>* named = nullptr;
    if (f.kind == sql::StatementKind::kCursor && !f.has_lineage) named = &cursors_;
    if (f.kind == sql::StatementKind::kExecute) named = &prepared_;
    if (named == nullptr) return &f;
    auto it = named->find(f.name);
    if (it == named->end() || !it->second.sql) return nullptr;
    return &it->second.sql->statements[it->second.index];
  }
  return nullptr;
}

void MaskingHook::plan(std::span<const masking::ResultColumn> columns,
                       const sql::StatementFacts* facts) {
  masking::plan_result(session_, columns, facts, planned_);
  if (planned_.stale_catalog) stale_ = true;
}

void MaskingHook::begin_rows(uint64_t id, const std::vector<ColumnDescription>& columns,
                             const std::string* result_formats, bool unknown) {
  cur_id_ = id;
  cur_copy_ = false;
  cur_pass_ = false;
  cur_unknown_ = unknown;
  cur_columns_.resize(columns.size());
  cur_names_.resize(columns.size());
  const size_t nformats = result_formats != nullptr ? result_formats->size() / 2 : 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnDescription& c = columns[i];
    masking::ResultColumn& r = cur_columns_[i];
    r.table_oid = c.table_oid;
    r.attnum = c.column;
    r.type_oid = c.type_oid;
    int16_t format = c.format;
    if (result_formats != nullptr) {
      size_t k = nformats == 1 ? 0 : i;
      format = k < nformats ? static_cast<int16_t>(
                                  (static_cast<unsigned char>((*result_formats)[2 * k]) << 8) |
                                  static_cast<unsigned char>((*result_formats)[2 * k + 1]))
                            : 0;
    }
    r.format = format == 1 ? masking::ValueFormat::kBinary : masking::ValueFormat::kText;
  }
  if (unknown) {
    rows_.reset();  // built at the first row, when its width is known
    return;
  }
  plan(cur_columns_, facts_for(id));
  // Nothing to mask: rows pass untouched (the framing was checked by the reader already).
  cur_pass_ = planned_.plan.columns.empty();
  if (cur_pass_) {
    rows_.reset();
    return;
  }
  rows_.emplace(planned_.plan);
  for (size_t i = 0; i < columns.size(); ++i) cur_names_[i].assign(columns[i].name);  // for the record
}

void MaskingHook::begin_copy(uint64_t id, bool binary, uint16_t columns) {
  cur_id_ = id;
  cur_copy_ = true;
  cur_pass_ = false;
  cur_unknown_ = false;
  cur_columns_.assign(columns, masking::ResultColumn{});
  cur_names_.assign(columns, std::string());
  const sql::StatementFacts* facts = facts_for(id);
  if (facts != nullptr && facts->kind == sql::StatementKind::kCopy) {
    // Names for the record, from lineage when it lists them.
    if (facts->output_columns.size() == columns) {
      for (size_t i = 0; i < columns; ++i) cur_names_[i] = facts->output_columns[i].name;
    }
  }
  for (auto& c : cur_columns_)
    c.format = binary ? masking::ValueFormat::kBinary : masking::ValueFormat::kText;
  plan(cur_columns_, facts);
  masking::CopyFormat format = masking::CopyFormat::text();
  if (facts != nullptr && facts->kind == sql::StatementKind::kCopy) format = copy_format(facts->copy);
  if (binary && planned_.plan.masks_anything()) {
    // Refused at the statement when the plan was foreseeable; here every row fails closed.
    copy_.reset();
    cur_unknown_ = true;
    return;
  }
  copy_.emplace(planned_.plan, std::move(format));
}

RowRewrite MaskingHook::rewrite(char type, std::string_view body, std::string& out) {
  if (type == 'd') {
    if (!cur_copy_) return RowRewrite::kUnchanged;
    if (cur_unknown_ || !copy_) return RowRewrite::kFailed;
    auto r = copy_->rewrite(body, out);
    if (!r.ok()) return RowRewrite::kFailed;
    return *r == masking::RewriteOutcome::kRewritten ? RowRewrite::kRewritten
                                                     : RowRewrite::kUnchanged;
  }
  if (cur_pass_) return RowRewrite::kUnchanged;
  if (!rows_) {
    // Rows of an unknown shape: redact every value (fail closed).
    auto n = masking::check_data_row(body);
    if (!n.ok()) return RowRewrite::kFailed;
    planned_.plan.columns.assign(*n, masking::ColumnMask{});
    for (auto& c : planned_.plan.columns) c.action = masking::ColumnAction::kMask;
    planned_.rules.assign(*n, nullptr);
    cur_names_.assign(*n, std::string());
    rows_.emplace(planned_.plan);
  }
  auto r = rows_->rewrite(body, out);
  if (!r.ok()) return RowRewrite::kFailed;
  return *r == masking::RewriteOutcome::kRewritten ? RowRewrite::kRewritten
                                                   : RowRewrite::kUnchanged;
}

std::string_view MaskingHook::finish_result(uint64_t id) {
  summary_.clear();
  for (Pending& p : pending_)
    if (p.id == id) ++p.result;
  if (id != cur_id_) return summary_;
  const masking::MaskCounts* counts = nullptr;
  if (cur_copy_ && copy_) counts = &copy_->counts();
  if (!cur_copy_ && rows_) counts = &rows_->counts();
  cur_id_ = 0;
  const auto& plan = planned_.plan.columns;
  if (counts == nullptr || plan.empty()) {
    rows_.reset();
    copy_.reset();
    return summary_;
  }
  if (counters_ != nullptr && counts->total() > 0) {
    counters_->masked_values.fetch_add(counts->total(), std::memory_order_relaxed);
    counters_->masked_results.fetch_add(1, std::memory_order_relaxed);
  }
  JsonWriter w(summary_);
  w.begin_array();
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].action == masking::ColumnAction::kPass) continue;
    uint64_t n = i < counts->per_column().size() ? counts->per_column()[i] : 0;
    if (plan[i].action == masking::ColumnAction::kDetect && n == 0) continue;
    const masking::MaskRule* rule = i < planned_.rules.size() ? planned_.rules[i] : nullptr;
    w.begin_object()
        .field("column", i < cur_names_.size() ? std::string_view(cur_names_[i]) : "")
        .field("rule", rule != nullptr ? std::string_view(rule->name) : "(fail-closed)")
        .field("values", n)
        .end_object();
  }
  w.end_array();
  if (summary_ == "[]") summary_.clear();
  rows_.reset();
  copy_.reset();
  return summary_;
}

}  // namespace gh::pg
