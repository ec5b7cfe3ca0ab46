#include "app/policy_setup.h"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>

#include "common/clock.h"
#include "common/json_writer.h"
#include "pg/session/client_session.h"
#include "policy/load.h"
#include "review/review_store.h"
#include "review/webhook.h"

namespace gh::app {

namespace {

void record_policy_loaded(const config::Config& cfg, const policy::Policy& p,
                          audit::StreamWriter* writer, asio::any_io_executor ex) {
  if (writer == nullptr) return;
  std::string payload;
  JsonWriter w(payload);
  w.begin_object()
      .field("path", cfg.path)
      .field("config_hash", cfg.config_hash)
      .field("rules", static_cast<uint64_t>(p.rules().size()));
  w.key("sources").begin_array();
  for (const auto& s : p.sources()) w.value(s);
  w.end_array().end_object();
  asio::post(ex, [writer, payload = std::move(payload)] {
    auto r = writer->append(audit::RecordType::kPolicyLoaded, unix_now_ns(), payload);
    if (!r.ok()) spdlog::error("audit: cannot record policy.loaded: {}", r.status().message());
  });
}

}  // namespace

void record_reviews(pg::Gateway& gw, audit::StreamWriter* writer,
                    asio::any_io_executor writer_ex) {
  std::shared_ptr<review::Webhook> webhook;
  const config::ReviewConfig& cfg = gw.config().review;
  if (!cfg.webhook_url.empty()) {
    const char* secret = std::getenv(cfg.webhook_secret_env.c_str());
    webhook = std::make_shared<review::Webhook>(cfg.webhook_url, secret != nullptr ? secret : "",
                                                &gw.store());
    spdlog::info("review: notifications to {}", cfg.webhook_url);
  }
  gw.reviews().set_journal([writer, writer_ex, &gw, webhook](std::string_view event,
                                                             const review::Request& r) {
    if (event == "decided" && r.state == review::State::kRevoked) {
      // A revoked grant ends the sessions it let in, as a revoked API key does.
      gw.for_each_session([id = r.id, by = r.decided_by, why = r.reason](pg::ClientSession& s) {
        if (s.grant_id() != id) return;
        s.terminate("57P01",
                    "terminating connection: access grant " + id + " was revoked by " + by +
                        (why.empty() ? "" : ": " + why),
                    "access grant revoked");
      });
    }
    if (event == "decided" && r.state != review::State::kRevoked) {
      gw.counters().reviews_decided.fetch_add(1, std::memory_order_relaxed);
      gw.counters().review_wait_seconds.observe(
          static_cast<double>(std::max<int64_t>(0, r.decided_ns - r.created_ns)) / 1e9);
    }
    std::string payload = review::to_json(r, /*with_ticket_key=*/false);
    audit::RecordType type = event == "requested"  ? audit::RecordType::kReviewRequested
                             : event == "used"     ? audit::RecordType::kReviewUsed
                             : event == "approval" ? audit::RecordType::kReviewApproval
                                                   : audit::RecordType::kReviewDecided;
    if (webhook != nullptr && event != "used") {
      // Slack-compatible: `text` for approvers' channels, the request itself for machines.
      const bool grant = r.kind == review::Kind::kGrant;
      std::string text = std::string(grant ? "Access " : "Review ") +
                         (event == "requested" ? "requested: " : "") + r.id + " (" +
                         std::string(review::to_string(r.state)) + ") by " + r.principal + " on " +
                         r.connection + ": " +
                         (grant ? (r.role.empty() ? "" : "as " + r.role + " ") + "for " +
                                      std::to_string(r.duration_s) + "s, " + r.facts
                                : r.sql);
      if (r.state != review::State::kPending)
        text += " — " + r.decided_by + (r.reason.empty() ? "" : ": " + r.reason);
      const std::string url = gw.config().review.url_of(r.id, gw.config().admin);
      if (!url.empty()) text += " <" + url + ">";
      std::string body;
      JsonWriter b(body);
      b.begin_object().field("event", "review." + std::string(event)).field("text", text);
      if (!url.empty()) b.field("url", url);
      b.key("review").raw(payload).end_object();
      webhook->send("review." + std::string(event), std::move(body));
    }
    // The state store keeps the request across restarts (written here, on the thread that
    // changed it: review events are rare). The audit record below is the evidence.
    if (Status st = gw.store().save_review(review::to_stored(r)); !st.ok())
      spdlog::error("review: cannot save request {} in the state store: {}", r.id, st.message());
    if (writer == nullptr) return;
    asio::post(writer_ex, [writer, type, payload = std::move(payload)] {
      auto res = writer->append(type, unix_now_ns(), payload);
      if (!res.ok()) spdlog::error("audit: cannot record a review event: {}", res.status().message());
    });
  });
}

Status install_policy(const config::Config& cfg, pg::Gateway& gw, audit::StreamWriter* writer,
                      asio::any_io_executor writer_ex) {
  auto p = policy::load_policy(cfg);
  if (!p.ok()) return p.status();
  spdlog::info("guardrails: {} rules from {}", p.value()->rules().size(),
               p.value()->sources().empty() ? std::string("(none)") : [&] {
                 std::string s;
                 for (const auto& src : p.value()->sources()) s += (s.empty() ? "" : ", ") + src;
                 return s;
               }());
  record_policy_loaded(cfg, *p.value(), writer, writer_ex);
  gw.policy().set(std::move(p.value()), cfg.config_hash);
  return Status::Ok();
}

void reload_policy_on_sighup(asio::io_context& main, std::string config_path, pg::Gateway& gw,
                             audit::StreamWriter* writer, asio::any_io_executor writer_ex) {
  auto signals = std::make_shared<asio::signal_set>(main, SIGHUP);
  auto handler = std::make_shared<std::function<void(const asio::error_code&, int)>>();
  *handler = [signals, handler, config_path, &gw, writer, writer_ex](const asio::error_code& ec,
                                                                      int) {
    if (ec) return;
    spdlog::info("SIGHUP: reloading the guardrails from {}", config_path);
    auto cfg = config::load_file(config_path, /*resolve_secrets=*/false);
    Status st = cfg.ok() ? install_policy(cfg.value(), gw, writer, writer_ex) : cfg.status();
    if (!st.ok()) {
      spdlog::error("guardrails reload refused, the previous policy stays in force:\n{}",
                    st.message());
    }
    signals->async_wait(*handler);
  };
  signals->async_wait(*handler);
}

}  // namespace gh::app
