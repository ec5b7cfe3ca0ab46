#include "admin/metrics.h"

namespace gh::admin {

namespace {

// HELP text escapes backslash and newline only.
void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

uint64_t load(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

MetricsText& MetricsText::family(std::string_view name, std::string_view type,
                                 std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
  return *this;
}

MetricsText& MetricsText::sample(std::string_view name, std::string_view labels, uint64_t value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
  return *this;
}

MetricsText& MetricsText::histogram(std::string_view name, std::string_view help,
                                    std::span<const Histogram* const> parts) {
  family(name, "histogram", help);
  if (parts.empty()) return *this;
  const Histogram& first = *parts.front();
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  double sum = 0;
  for (const Histogram* h : parts) sum += h->sum();
  for (size_t i = 0; i <= first.buckets(); ++i) {
    for (const Histogram* h : parts) cumulative += h->count_in(i);
    char le[32];
    if (i < first.buckets()) {
      std::snprintf(le, sizeof le, "le=\"%g\"", first.bound(i));
    } else {
      std::snprintf(le, sizeof le, "le=\"+Inf\"");
    }
    sample(bucket, le, cumulative);
  }
  char s[64];
  std::snprintf(s, sizeof s, "%.9g", sum);
  out_ += std::string(name) + "_sum " + s + "\n";
  return sample(std::string(name) + "_count", "", cumulative);
}

MetricsText& MetricsText::counter(std::string_view name, std::string_view help, uint64_t value) {
  return family(name, "counter", help).sample(name, "", value);
}

MetricsText& MetricsText::gauge(std::string_view name, std::string_view help, int64_t value) {
  family(name, "gauge", help);
  out_ += name;
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
  return *this;
}

std::string render_metrics(const MetricsSources& s) {
  std::string out;
  MetricsText m(out);
  if (const pg::GatewayCounters* g = s.gateway) {
    m.counter("gatehouse_sessions_total", "Client connections accepted.", load(g->sessions_total));
    m.gauge("gatehouse_sessions_active", "Client connections open now.",
            g->sessions_active.load(std::memory_order_relaxed));
    m.counter("gatehouse_auth_failures_total",
              "Logins refused: bad token or API key, unknown connection, no access rule.",
              load(g->auth_failures));
    m.counter("gatehouse_access_denied_total", "Logins refused because no access rule matched.",
              load(g->access_denied));
    m.counter("gatehouse_protocol_errors_total", "Sessions ended by a client protocol error.",
              load(g->protocol_errors));
    m.counter("gatehouse_backend_connect_failures_total",
              "Backend connections that could not be opened.", load(g->backend_connect_failures));
    m.counter("gatehouse_backend_lost_total", "Backend connections lost during a session.",
              load(g->backend_lost));
    m.counter("gatehouse_cancels_forwarded_total", "Cancel requests forwarded to a backend.",
              load(g->cancels_forwarded));
    if (!s.audit_writers.empty()) {
      std::vector<const Histogram*> syncs;
      uint64_t failures = 0;
      for (const audit::StreamWriter* w : s.audit_writers) {
        syncs.push_back(&w->sync_seconds());
        failures += w->failures();
      }
      m.histogram("gatehouse_audit_sync_seconds",
                  "Time to make appended audit records durable (msync/fdatasync of the new "
                  "bytes), per sync, all streams.",
                  syncs);
      m.counter("gatehouse_audit_write_failures_total",
                "Audit appends and syncs that failed (the statement or login was refused).",
                failures);
    }
    m.counter("gatehouse_audit_refusals_total",
              "Statements or logins refused because the audit log could not be written.",
              load(g->audit_refusals));
    m.counter("gatehouse_sessions_terminated_total",
              "Sessions ended by gatehouse: key revoked, token expiry, max_session, shutdown.",
              load(g->sessions_terminated));
    m.counter("gatehouse_ephemeral_roles_created_total", "Ephemeral backend roles created.",
              load(g->ephemeral_roles_created));
    m.counter("gatehouse_ephemeral_roles_dropped_total", "Ephemeral backend roles dropped.",
              load(g->ephemeral_roles_dropped));
    m.counter("gatehouse_ephemeral_role_failures_total",
              "Ephemeral backend roles that could not be created or dropped.",
              load(g->ephemeral_role_failures));
    m.family("gatehouse_statements_total", "counter", "Statements judged by the guardrails, by decision.")
        .sample("gatehouse_statements_total", "decision=\"allow\"", load(g->statements_allowed))
        .sample("gatehouse_statements_total", "decision=\"block\"", load(g->statements_blocked))
        .sample("gatehouse_statements_total", "decision=\"review\"", load(g->statements_reviewed));
    m.gauge("gatehouse_statements_held", "Statements held now, waiting for a review decision.",
            g->statements_held.load(std::memory_order_relaxed));
    m.counter("gatehouse_reviews_decided_total",
              "Review requests decided (approved, denied, expired, cancelled).",
              load(g->reviews_decided));
    const Histogram* wait[] = {&g->review_wait_seconds};
    m.histogram("gatehouse_review_wait_seconds",
                "Time from a review request to its decision (approved, denied, expired, "
                "cancelled).",
                wait);
    m.counter("gatehouse_masked_values_total", "Values masked in result and COPY rows.",
              load(g->masked_values));
    m.counter("gatehouse_masked_results_total", "Results with at least one masked value.",
              load(g->masked_results));
    m.family("gatehouse_mask_catalog_reads_total", "counter",
             "Catalog reads for masking column rules, by result.")
        .sample("gatehouse_mask_catalog_reads_total", "result=\"ok\"",
                load(g->mask_catalog_reads) - load(g->mask_catalog_failures))
        .sample("gatehouse_mask_catalog_reads_total", "result=\"failed\"",
                load(g->mask_catalog_failures));
  }
  if (const identity::AuthenticatorCounters* t = s.tokens) {
    m.family("gatehouse_jwks_fetches_total", "counter", "JWKS and discovery fetches, by result.")
        .sample("gatehouse_jwks_fetches_total", "result=\"ok\"", load(t->fetches_ok))
        .sample("gatehouse_jwks_fetches_total", "result=\"failed\"", load(t->fetches_failed));
  }
  if (const AdminCounters* a = s.admin) {
    m.counter("gatehouse_admin_requests_total", "Admin API requests answered.", load(a->requests));
    m.family("gatehouse_admin_refusals_total", "counter",
             "Admin API requests refused, by reason.")
        .sample("gatehouse_admin_refusals_total", "reason=\"unauthenticated\"",
                load(a->unauthenticated))
        .sample("gatehouse_admin_refusals_total", "reason=\"forbidden\"", load(a->forbidden));
  }
  return out;
}

}  // namespace gh::admin
