#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace gh::store {

// A gatehouse API key as stored: never the key itself, only its SHA-256.
struct ApiKey {
  std::string name;   // unique, chosen by the operator
  std::string owner;  // who it was issued to (defaults to name)
  std::vector<std::string> groups;
  int64_t created_at = 0;                // unix seconds
  std::optional<int64_t> expires_at;     // unix seconds
  std::optional<int64_t> revoked_at;     // unix seconds
  std::string prefix;                    // first characters of the key, for display
};

struct NewApiKey {
  std::string name;
  std::string owner;
  std::vector<std::string> groups;
  std::optional<int64_t> expires_at;
};

struct CreatedApiKey {
  ApiKey key;
  std::string secret;  // the full `ghk_…` key; shown once, never stored
};

// The persistent state of one gatehouse deployment. Implementations are safe to call
// from several threads.
class StateStore {
 public:
  virtual ~StateStore() = default;

  // Invalid if the name exists already.
  virtual Result<CreatedApiKey> create_api_key(const NewApiKey& req) = 0;
  // Looks a presented key up by its hash. NotFound for an unknown key; Denied (with
  // "revoked" or "expired" in the message) for one that may not log in at `now`.
  virtual Result<ApiKey> authenticate_api_key(std::string_view secret, int64_t now) = 0;
  virtual Result<std::vector<ApiKey>> list_api_keys() = 0;
  // NotFound if no key has that name.
  virtual Status revoke_api_key(std::string_view name, int64_t now) = 0;
};

// The embedded store: SQLite (WAL) at `<data_dir>/state.db`, created with its schema
// on first open; the folder is created too.
Result<std::unique_ptr<StateStore>> open_sqlite_store(const std::string& data_dir);

}  // namespace gh::store
