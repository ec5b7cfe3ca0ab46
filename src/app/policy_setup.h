#pragma once

// The guardrails policy for `serve`: loaded at startup (a bad one stops the start), reloaded
// on SIGHUP from the config file (a bad one is refused with its file:line problems and the
// old one stays in force). Each load is a policy.loaded audit record with the config's hash.

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <string>

#include "audit/writer.h"
#include "common/status.h"
#include "config/config.h"
#include "pg/session/gateway.h"

namespace gh::app {

Status install_policy(const config::Config& cfg, pg::Gateway& gw, audit::StreamWriter* writer,
                      asio::any_io_executor writer_ex);

// Review requests go to the audit log as they change: review.requested, review.decided (with
// the approvals, the decider and the reason) and review.used (an approval let its statement
// run). Appended on `writer_ex`'s thread, which owns `writer`.
void record_reviews(pg::Gateway& gw, audit::StreamWriter* writer, asio::any_io_executor writer_ex);

// Reloads the guardrails from `config_path` on every SIGHUP, until `main` stops.
void reload_policy_on_sighup(asio::io_context& main, std::string config_path, pg::Gateway& gw,
                             audit::StreamWriter* writer, asio::any_io_executor writer_ex);

}  // namespace gh::app
