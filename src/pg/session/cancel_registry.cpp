#include "pg/session/cancel_registry.h"

#include "common/crypto.h"

namespace gh::pg {

std::pair<uint32_t, uint32_t> CancelRegistry::add(const CancelTarget& target) {
  std::lock_guard lock(mu_);
  while (true) {
    // Positive as an int32: some drivers keep the pid in a signed integer.
    uint32_t pid = crypto::random_u32() & 0x7fffffffu;
    if (pid == 0 || entries_.count(pid) != 0) continue;
    uint32_t secret = crypto::random_u32();
    entries_.emplace(pid, Entry{secret, target});
    return {pid, secret};
  }
}

void CancelRegistry::remove(uint32_t pid) {
  std::lock_guard lock(mu_);
  entries_.erase(pid);
}

std::optional<CancelTarget> CancelRegistry::find(uint32_t pid, uint32_t secret) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return std::nullopt;
  // Constant-time: a wrong guess learns nothing from timing.
  volatile uint32_t diff = it->second.secret ^ secret;
  if (diff != 0) return std::nullopt;
  return it->second.target;
}

size_t CancelRegistry::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace gh::pg
