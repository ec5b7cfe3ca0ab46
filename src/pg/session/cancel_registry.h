#pragma once

// Maps the BackendKeyData gatehouse gives each client to the real server's, so a
// CancelRequest arriving on a new connection (on any io thread) reaches the right
// backend. Touched only at login, logout and cancel: a mutex is fine here.

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "config/config.h"

namespace gh::pg {

struct CancelTarget {
  const config::Connection* connection = nullptr;
  uint32_t backend_pid = 0;
  uint32_t backend_secret = 0;
};

class CancelRegistry {
 public:
  // Issues a fresh client-facing key (pid unique among live sessions).
  std::pair<uint32_t, uint32_t> add(const CancelTarget& target);
  void remove(uint32_t pid);
  // The target if pid and secret match a live session (secret compared in constant time).
  std::optional<CancelTarget> find(uint32_t pid, uint32_t secret) const;
  size_t size() const;

 private:
  struct Entry {
    uint32_t secret;
    CancelTarget target;
  };
  mutable std::mutex mu_;
  std::unordered_map<uint32_t, Entry> entries_;
};

}  // namespace gh::pg
