#include "identity/access.h"

#include <algorithm>

namespace gh::identity {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool matches(const config::AccessRule& r, const Principal& who) {
  if (contains(r.principals, who.subject)) return true;
  return std::any_of(who.groups.begin(), who.groups.end(),
                     [&](const std::string& g) { return contains(r.groups, g); });
}

}  // namespace

const config::AccessRule* find_access_rule(const std::vector<config::AccessRule>& rules,
                                           const Principal& who, std::string_view connection) {
  for (const config::AccessRule& r : rules)
    if (r.connection == connection && matches(r, who)) return &r;
  return nullptr;
}

std::string access_denied_message(const Principal& who, std::string_view connection) {
  return "no access rule lets " + std::string(who.kind_name() == "api_key" ? "API key" : "principal") +
         " \"" + who.label() + "\" use connection \"" + std::string(connection) + "\"";
}

}  // namespace gh::identity
