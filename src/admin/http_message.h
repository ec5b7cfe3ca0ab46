#pragma once

// An HTTP request and response as the admin router sees them: plain values, no sockets, so
// the router is tested by building requests in memory. server.cpp converts from and to
// cpp-httplib's types.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::admin {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query string
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters
  HeaderList headers;
  std::string body;
  std::string client;  // the peer, "address:port" (empty in tests that do not set it)

  // The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  const std::string* param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;  // besides Content-Type
};

// `{"error": {"code": code, "message": message}}` with that status.
HttpResponse json_error(int status, std::string_view code, std::string_view message);

}  // namespace gh::admin
