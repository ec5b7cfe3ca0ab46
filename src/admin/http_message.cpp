#include "admin/http_message.h"

#include <nlohmann/json.hpp>

#include <strings.h>

namespace gh::admin {

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0)
      return &v;
  }
  return nullptr;
}

const std::string* HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  nlohmann::ordered_json j;
  j["error"]["code"] = code;
  j["error"]["message"] = message;
  HttpResponse r;
  r.status = status;
  // Messages may quote client input; replace invalid UTF-8 rather than throw.
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

}  // namespace gh::admin
