#include "app/admin_client.h"

#include <httplib.h>

#include <cstdlib>

namespace gh::app {

Answer call(const std::string& url, const std::string& method, const std::string& path,
            const std::string& body) {
  Answer a;
  const char* token = std::getenv("GATEHOUSE_TOKEN");
  if (token == nullptr || *token == '\0') {
    a.error = "set GATEHOUSE_TOKEN to a gatehouse API key or an OIDC access token";
    return a;
  }
  httplib::Client client(url);
  if (!client.is_valid()) {
    a.error = "invalid admin API URL '" + url + "'";
    return a;
  }
  client.set_connection_timeout(10);
  client.set_read_timeout(30);
  httplib::Headers headers = {{"Authorization", std::string("Bearer ") + token}};
  httplib::Result r = method == "POST"
                          ? client.Post(path, headers, body, "application/json")
                          : client.Get(path, headers);
  if (!r) {
    a.error = "cannot reach the admin API at " + url + ": " + httplib::to_string(r.error());
    return a;
  }
  a.status = r->status;
  a.body = AdminJson::parse(r->body, nullptr, false);
  if (a.status / 100 != 2) {
    if (a.body.is_object() && a.body.contains("error"))
      a.error = a.body["error"].value("message", std::string()) + " (" +
                a.body["error"].value("code", std::string()) + ", HTTP " +
                std::to_string(a.status) + ")";
    else
      a.error = "HTTP " + std::to_string(a.status);
  }
  return a;
}

std::string admin_url(Options& opts) {
  std::string url = opts.take("--url");
  if (url.empty()) {
    const char* env = std::getenv("GATEHOUSE_ADMIN_URL");
    url = env != nullptr && *env != '\0' ? env : "http://127.0.0.1:8090";
  }
  return url;
}

}  // namespace gh::app
