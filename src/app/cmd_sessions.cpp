// `gatehouse sessions list|show`: the sessions index (state store) as a table, and one
// session replayed from the audit log as a timeline of statements, parameters, decisions
// and results.

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/text.h"
#include "app/audit_cli.h"
#include "app/audit_time.h"
#include "app/commands.h"
#include "app/options.h"
#include "app/text_table.h"

namespace gh::app {

namespace {

constexpr std::string_view kTool = "sessions";
constexpr const char* kUsage =
    "usage: gatehouse sessions list --config FILE [--since T] [--until T] [--principal P]\n"
    "                               [--connection C] [--limit N] [--json]\n"
    "       gatehouse sessions show --config FILE [--json] SESSION_ID\n"
    "T: RFC 3339 (2026-11-23T10:00:00Z), a date (2026-11-23), or a duration back from now "
    "(24h, 7d)\n";

constexpr int64_t kNsPerSec = 1'000'000'000;

std::string format_bytes(int64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%" PRId64 " B", n);
  } else if (n < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024 * 1024));
  }
  return buf;
}

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

Json entry_json(const store::SessionIndexEntry& s) {
  Json j = Json::object();
  j["session"] = s.session_id;
  j["principal"] = s.principal;
  j["principal_kind"] = s.principal_kind;
  j["groups"] = s.groups;
  j["connection"] = s.connection;
  j["client"] = s.client;
  j["user"] = s.user;
  j["application_name"] = s.application_name;
  j["tls"] = s.tls;
  j["started"] = format_rfc3339(s.started_ns, 9);
  j["ended"] = s.ended_ns ? Json(format_rfc3339(s.ended_ns, 9)) : Json(nullptr);
  j["end_reason"] = s.end_reason;
  j["statements"] = s.statements;
  j["stream"] = s.stream;
  j["start_seq"] = s.start_seq;
  return j;
}

int sessions_list(Options opts) {
  std::string config_path = opts.take("--config");
  store::SessionFilter filter;
  filter.principal = opts.take("--principal");
  filter.connection = opts.take("--connection");
  std::string limit = opts.take("--limit");
  bool json = opts.take_switch("--json");
  auto period = take_period(kTool, opts, false, false, kUsage);
  if (auto* code = std::get_if<int>(&period)) return *code;
  if (auto e = leftover_error(opts, 0)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  if (!limit.empty()) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(limit.c_str(), &end, 10);
    if (end == limit.c_str() || *end != '\0' || limit[0] == '-' || v > 1'000'000) {
      return cli_usage_error(
          kTool, "--limit expects a number of sessions (0 for all), got '" + limit + "'", kUsage);
    }
    filter.limit = static_cast<size_t>(v);
  }
  const Period& p = std::get<Period>(period);
  filter.since_ns = p.since_ns.value_or(0);
  filter.until_ns = p.until_ns.value_or(0);

  auto opened = open_audit_env(kTool, config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  AuditEnv& env = std::get<AuditEnv>(opened);
  auto sessions = env.store->list_sessions(filter);
  if (!sessions.ok()) return cli_fail(kTool, sessions.status().message());

  if (json) {
    for (const auto& s : *sessions) std::printf("%s\n", dump_json(entry_json(s)).c_str());
    return 0;
  }
  if (sessions->empty()) {
    std::printf("no sessions%s\n",
                p.since_ns || p.until_ns || !filter.principal.empty() || !filter.connection.empty()
                    ? " match"
                    : " recorded yet");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"SESSION", "STARTED", "DURATION", "PRINCIPAL",
                                                 "CONNECTION", "CLIENT", "APPLICATION",
                                                 "STATEMENTS", "END"}};
  int64_t now = now_unix_ns();
  for (const auto& s : *sessions) {
    std::string duration = s.ended_ns ? format_duration_ns(s.ended_ns - s.started_ns)
                                      : "open " + format_duration_ns(now - s.started_ns);
    rows.push_back({s.session_id, format_rfc3339(s.started_ns, 0), duration, printable(s.principal),
                    printable(s.connection), s.client,
                    s.application_name.empty() ? "-" : printable(s.application_name),
                    s.ended_ns ? std::to_string(s.statements) : "-",
                    s.ended_ns ? printable(s.end_reason) : "(open)"});
  }
  std::fputs(render_table(rows).c_str(), stdout);
  size_t n = sessions->size();
  std::printf("%zu %s", n, n == 1 ? "session" : "sessions");
  if (filter.limit > 0 && n == filter.limit) {
    std::printf(" (the newest %zu; --limit N shows more, --limit 0 all)", n);
  }
  std::printf("\n");
  return 0;
}

// ---- sessions show -------------------------------------------------------------------

void print_indented(const std::string& text, const char* indent) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    std::printf("%s%s\n", indent, line.c_str());
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

std::string param_text(const Json& v, bool truncated) {
  std::string t;
  if (v.is_null()) {
    t = "NULL";
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    t = "'";
    for (char c : s) {
      if (c == '\'') t += '\'';
      t += c;
    }
    t += "'";
    t = printable(t);
  } else {
    t = dump_json(v);
  }
  if (truncated) t += " (truncated)";
  return t;
}

class Timeline {
 public:
  explicit Timeline(int64_t started_ns) : started_ns_(started_ns) {}

  void print(const AuditRecord& r) {
    const Json& p = r.payload;
    // Offsets count from the session.start record (the index's start time is taken a
    // moment after it is written).
    if (r.type == audit::RecordType::kSessionStart) started_ns_ = r.time_ns;
    char offset[32];
    std::snprintf(offset, sizeof offset, "%+9.3fs",
                  static_cast<double>(r.time_ns - started_ns_) / kNsPerSec);
    std::string head = std::string(offset) + "  " + format_rfc3339(r.time_ns, 3) + "  ";
    indent_.assign(head.size() + 15, ' ');
    switch (r.type) {
      case audit::RecordType::kSessionStart: {
        std::string who, kind;
        if (auto it = p.find("principal"); it != p.end() && it->is_object()) {
          who = json_text(*it, "name");
          kind = json_text(*it, "kind");
        }
        std::printf("%s%-14s %s (%s) from %s to %s%s\n", head.c_str(), "session.start",
                    printable(who).c_str(), kind.c_str(), printable(json_text(p, "client")).c_str(),
                    printable(json_text(p, "connection")).c_str(),
                    json_bool(p, "tls") ? " over TLS" : "");
        break;
      }
      case audit::RecordType::kStatement: {
        std::string n = json_text(p, "n");
        std::string decision = json_text(p, "decision");
        std::string protocol = json_text(p, "protocol");
        std::string extra;
        if (std::string name = json_text(p, "statement_name"); !name.empty()) {
          extra += ", prepared statement " + printable(name);
        }
        if (std::string portal = json_text(p, "portal"); !portal.empty()) {
          extra += ", portal " + printable(portal);
        }
        std::printf("%s%-14s %s (%s protocol%s)\n", head.c_str(), ("statement #" + n).c_str(),
                    decision.empty() ? "?" : printable(decision).c_str(), protocol.c_str(),
                    extra.c_str());
        if (std::string reason = json_text(p, "reason"); !reason.empty()) {
          std::printf("%sreason: %s\n", indent_.c_str(), printable(reason).c_str());
        }
        print_indented(printable(json_text(p, "sql"), true), indent_.c_str());
        print_params(p);
        break;
      }
      case audit::RecordType::kResult: {
        std::string n = json_text(p, "n");
        if (json_bool(p, "skipped")) {
          std::printf(
              "%s%-14s skipped (not run: an earlier statement in the same pipeline "
              "failed)\n",
              head.c_str(), ("result #" + n).c_str());
          break;
        }
        std::string line = plural(json_int(p, "rows").value_or(0), "row", "rows");
        if (auto b = json_int(p, "bytes")) line += ", " + format_bytes(*b);
        if (auto d = json_int(p, "duration_us")) line += ", " + format_duration_ns(*d * 1000);
        if (std::string tag = json_text(p, "tag"); !tag.empty()) line += ", " + printable(tag);
        if (json_bool(p, "suspended")) line += ", suspended (portal has more rows)";
        std::printf("%s%-14s %s\n", head.c_str(), ("result #" + n).c_str(), line.c_str());
        if (std::string st = json_text(p, "sqlstate"); !st.empty()) {
          std::printf("%serror %s: %s\n", indent_.c_str(), st.c_str(),
                      printable(json_text(p, "error")).c_str());
        }
        print_columns_and_rows(p);
        break;
      }
      case audit::RecordType::kSessionEnd: {
        std::string line = printable(json_text(p, "reason"));
        line += "; " + plural(json_int(p, "statements").value_or(0), "statement", "statements");
        if (auto b = json_int(p, "bytes_in")) line += ", " + format_bytes(*b) + " in";
        if (auto b = json_int(p, "bytes_out")) line += ", " + format_bytes(*b) + " out";
        if (auto d = json_int(p, "duration_ms")) {
          line += ", lasted " + format_duration_ns(*d * 1'000'000);
        }
        std::printf("%s%-14s %s\n", head.c_str(), "session.end", line.c_str());
        break;
      }
      default:
        std::printf("%s%-14s %s\n", head.c_str(), std::string(r.type_name()).c_str(),
                    printable(r.payload.is_null() ? r.raw_payload : dump_json(r.payload)).c_str());
        break;
    }
  }

 private:
  void print_params(const Json& p) const {
    auto it = p.find("params");
    if (it == p.end() || !it->is_array() || it->empty()) return;
    std::vector<size_t> truncated;
    if (auto t = p.find("params_truncated"); t != p.end() && t->is_array()) {
      for (const auto& i : *t) {
        if (i.is_number_unsigned() || i.is_number_integer()) truncated.push_back(i.get<size_t>());
      }
    }
    for (size_t i = 0; i < it->size(); ++i) {
      bool cut = std::find(truncated.begin(), truncated.end(), i) != truncated.end();
      std::printf("%s$%zu = %s\n", indent_.c_str(), i + 1, param_text((*it)[i], cut).c_str());
    }
  }

  void print_columns_and_rows(const Json& p) const {
    auto cols = p.find("columns");
    if (cols == p.end() || !cols->is_array() || cols->empty()) return;
    std::string names;
    for (const auto& c : *cols) {
      if (!names.empty()) names += ", ";
      names += printable(json_text(c, "name")) + " (oid " + json_text(c, "type_oid") + ")";
    }
    std::printf("%scolumns: %s\n", indent_.c_str(), names.c_str());
    auto rows = p.find("sample_rows");
    if (rows == p.end() || !rows->is_array()) return;
    for (const auto& row : *rows) {
      std::string line;
      if (row.is_array()) {
        for (const auto& v : row) {
          if (!line.empty()) line += " | ";
          line += v.is_null()     ? "NULL"
                  : v.is_string() ? printable(v.get<std::string>())
                                  : dump_json(v);
        }
      } else {
        line = printable(dump_json(row));
      }
      std::printf("%srow: %s\n", indent_.c_str(), line.c_str());
    }
  }

  int64_t started_ns_;
  std::string indent_;  // where detail lines start: under the event's summary
};

int sessions_show(Options opts) {
  std::string config_path = opts.take("--config");
  bool json = opts.take_switch("--json");
  if (auto e = leftover_error(opts, 1)) return cli_usage_error(kTool, *e, kUsage);
  if (config_path.empty()) return cli_usage_error(kTool, "--config FILE is required", kUsage);
  if (opts.rest().size() != 1) {
    return cli_usage_error(kTool, "show takes the SESSION_ID of one session", kUsage);
  }
  const std::string id = opts.rest()[0];

  auto opened = open_audit_env(kTool, config_path);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  AuditEnv& env = std::get<AuditEnv>(opened);
  auto entry = env.store->get_session(id);
  if (!entry.ok()) {
    if (entry.status().code() == Status::Code::kNotFound) {
      return cli_fail(kTool, "no session '" + printable(id) +
                                 "' in the sessions index (gatehouse sessions list shows them)");
    }
    return cli_fail(kTool, entry.status().message());
  }
  const store::SessionIndexEntry& s = entry.value();
  if (Status st = check_audit_dir(env.cfg.audit.dir); !st.ok())
    return cli_fail(kTool, st.message());

  if (!json) {
    std::string groups = s.groups.empty() ? "no groups" : "groups " + s.groups;
    std::printf("session      %s\n", s.session_id.c_str());
    std::printf("principal    %s (%s; %s)\n", printable(s.principal).c_str(),
                s.principal_kind.c_str(), printable(groups).c_str());
    std::printf("connection   %s\n", printable(s.connection).c_str());
    std::printf("client       %s%s, user %s, application %s\n", s.client.c_str(),
                s.tls ? " over TLS" : " without TLS", printable(s.user).c_str(),
                s.application_name.empty() ? "-" : printable(s.application_name).c_str());
    std::printf("started      %s\n", format_rfc3339(s.started_ns, 3).c_str());
    if (s.ended_ns) {
      std::printf("ended        %s after %s: %s; %s\n", format_rfc3339(s.ended_ns, 3).c_str(),
                  format_duration_ns(s.ended_ns - s.started_ns).c_str(),
                  printable(s.end_reason).c_str(),
                  plural(static_cast<int64_t>(s.statements), "statement", "statements").c_str());
    } else {
      std::printf("ended        (open, or gatehouse stopped before the session ended)\n");
    }
    std::printf("audit log    stream %u from record %" PRIu64 "\n\n", s.stream, s.start_seq);
  }

  // The session's records are in one stream (a session lives on one io thread), from its
  // session.start record on. The index's times come from the same clock as the records';
  // the margin only keeps the time filter from cutting at the edges.
  audit::ReadOptions ro;
  ro.stream = s.stream;
  ro.since_ns = s.started_ns - 60 * kNsPerSec;
  if (s.ended_ns) ro.until_ns = s.ended_ns + 60 * kNsPerSec;
  Timeline timeline(s.started_ns);
  uint64_t shown = 0;
  bool saw_start = false;
  bool saw_end = false;
  Status st = for_each_record(env.cfg.audit.dir, ro, [&](const AuditRecord& r) {
    if (r.seq < s.start_seq || r.session() != id) return true;
    if (r.type == audit::RecordType::kSessionStart) saw_start = true;
    if (json) {
      std::printf("%s\n", dump_json(record_to_json(r)).c_str());
    } else {
      timeline.print(r);
    }
    ++shown;
    if (r.type == audit::RecordType::kSessionEnd) {
      saw_end = true;
      return false;
    }
    return true;
  });
  std::fflush(stdout);
  if (!st.ok()) return cli_fail(kTool, describe_read_error(env.cfg.audit.dir, st));
  if (!saw_start) {
    return cli_fail(kTool, "the audit log holds no session.start record for session " + id +
                               " (stream " + std::to_string(s.stream) + ", record " +
                               std::to_string(s.start_seq) +
                               "): removed by retention, or the log was altered; run gatehouse "
                               "audit verify");
  }
  if (!json) {
    std::printf("\n%s%s\n", plural(static_cast<int64_t>(shown), "record", "records").c_str(),
                saw_end ? ""
                        : "; no session.end record (the session is open, or gatehouse "
                          "stopped before it ended)");
  }
  return 0;
}

}  // namespace

int run_sessions(const std::vector<std::string>& args) {
  return run_subcommands(kTool, args, kUsage, {{"list", sessions_list}, {"show", sessions_show}});
}

}  // namespace gh::app
