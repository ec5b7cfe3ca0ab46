#include "credentials/live_roles.h"

#include <mutex>

namespace gh::credentials::live_roles {

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_set<std::string> roles;
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: workers may outlive static teardown
  return *r;
}

}  // namespace

void add(const std::string& role) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.roles.insert(role);
}

void remove(const std::string& role) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.roles.erase(role);
}

std::unordered_set<std::string> with(std::unordered_set<std::string> extra) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  extra.insert(r.roles.begin(), r.roles.end());
  return extra;
}

}  // namespace gh::credentials::live_roles
