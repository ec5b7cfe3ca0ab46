#include "pg/session/statement_log.h"

#include <spdlog/spdlog.h>

namespace gh::pg {

namespace {

// SQL in a log line: quoted, newlines and quotes escaped, bounded.
std::string quote_for_log(std::string_view s, size_t max = 1024) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (s.size() > max) out += "...";
  out.push_back('"');
  return out;
}

}  // namespace

StatementLog::Entry* StatementLog::find(uint64_t id) {
  for (auto& e : open_)
    if (e.id == id) return &e;
  return nullptr;
}

Verdict StatementLog::on_statement(const StatementStart& s) {
  if (s.at_parse) return Verdict::Allow();  // logged at Execute
  Entry e;
  e.id = s.id;
  e.protocol = s.protocol;
  e.sql.assign(s.sql);
  e.params = s.bind != nullptr ? s.bind->param_count : 0;
  open_.push_back(std::move(e));
  return Verdict::Allow();
}

void StatementLog::on_result(uint64_t id, const ResultSummary& r) {
  Entry* e = find(id);
  if (e == nullptr) return;
  e->rows += r.rows;
  e->bytes += r.bytes;
  ++e->results;
  if (!r.command_tag.empty()) e->tag.assign(r.command_tag);
  if (!r.sqlstate.empty()) e->sqlstate.assign(r.sqlstate);
}

void StatementLog::on_end(uint64_t id, std::chrono::nanoseconds duration, bool skipped) {
  Entry* e = find(id);
  if (e == nullptr) return;
  spdlog::debug(
      "statement session={} n={} protocol={} params={} results={} rows={} bytes={} "
      "duration_us={} tag={} sqlstate={}{} sql={}",
      session_, e->id, e->protocol == Protocol::kSimple ? "simple" : "extended", e->params,
      e->results, e->rows, e->bytes, duration.count() / 1000, quote_for_log(e->tag),
      e->sqlstate.empty() ? "-" : e->sqlstate, skipped ? " skipped=true" : "",
      quote_for_log(e->sql));
  // Entries end in order; drop everything up to this one.
  while (!open_.empty() && open_.front().id <= id) open_.pop_front();
}

}  // namespace gh::pg
