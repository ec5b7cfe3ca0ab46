// GET /api/v1/evidence?since=T&until=T: the evidence bundle an auditor asks for (the same
// files `gatehouse evidence` writes), as one tar archive.

#include <spdlog/spdlog.h>

#include "admin/router.h"

namespace gh::admin {

HttpResponse Router::get_evidence(const HttpRequest& req, const identity::Principal& who) const {
  if (!deps_.evidence) return json_error(503, "unavailable", "evidence bundles are not enabled");
  for (const auto& [k, v] : req.params)
    if (k != "since" && k != "until")
      return json_error(400, "invalid_argument", "unknown query parameter '" + k + "'");
  const std::string* since = req.param("since");
  const std::string* until = req.param("until");
  if (since == nullptr || until == nullptr || since->empty() || until->empty())
    return json_error(400, "invalid_argument",
                      "since and until are required (RFC 3339, a date, or a duration back "
                      "from now such as 7d)");
  spdlog::info("admin API: {} asked for the evidence bundle from {} to {}", who.label(), *since,
               *until);
  auto tar = deps_.evidence(*since, *until);
  if (!tar.ok()) {
    if (tar.status().code() == Status::Code::kInvalid)
      return json_error(400, "invalid_argument", tar.status().message());
    spdlog::error("admin API: evidence bundle: {}", tar.status().message());
    return json_error(500, "internal", "the evidence bundle could not be built: " +
                                           tar.status().message());
  }
  HttpResponse r;
  r.content_type = "application/x-tar";
  r.body = std::move(tar).value();
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"gatehouse-evidence.tar\"");
  return r;
}

}  // namespace gh::admin
