#pragma once

// A client of gatehouse's admin API for the CLI (`gatehouse reviews`, `gatehouse access`): the
// URL from --url or $GATEHOUSE_ADMIN_URL, the bearer token from $GATEHOUSE_TOKEN.

#include <nlohmann/json.hpp>

#include <string>

#include "app/options.h"

namespace gh::app {

using AdminJson = nlohmann::ordered_json;

struct Answer {
  int status = 0;
  AdminJson body;
  std::string error;  // transport problem or the API's error message
};

// One request; `error` is set for a transport problem or a non-2xx answer.
Answer call(const std::string& url, const std::string& method, const std::string& path,
            const std::string& body);
// --url, else $GATEHOUSE_ADMIN_URL, else http://127.0.0.1:8090.
std::string admin_url(Options& opts);

}  // namespace gh::app
