#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gh::credentials {

// How to reach the server as the admin role that creates and drops ephemeral roles.
struct AdminTarget {
  std::string host;
  uint16_t port = 5432;
  std::string database;
  std::string user;
  std::string password;            // never logged, never in error texts
  std::string sslmode = "prefer";  // libpq sslmode: disable|require|verify-full
  std::string sslrootcert;         // for verify-full
  std::chrono::milliseconds connect_timeout{5000};
};

}  // namespace gh::credentials
