#include "pg/session/startup_params.h"

#include <array>
#include <string_view>

namespace gh::pg {

namespace {

constexpr std::array<std::string_view, 12> kAllowed = {
    "application_name",   "client_encoding", "DateStyle",  "TimeZone",
    "extra_float_digits", "IntervalStyle",   "datestyle",  "timezone",
    "intervalstyle",      "lc_monetary",     "lc_numeric", "standard_conforming_strings",
};

}  // namespace

bool is_forwarded_startup_param(std::string_view name) {
  for (auto a : kAllowed)
    if (a == name) return true;
  return false;
}

std::vector<std::pair<std::string, std::string>> forwarded_startup_params(const StartupPacket& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < p.param_count; ++i) {
    if (is_forwarded_startup_param(p.params[i].first))
      out.emplace_back(std::string(p.params[i].first), std::string(p.params[i].second));
  }
  return out;
}

}  // namespace gh::pg
