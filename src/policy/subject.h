#pragma once

// Who sends a statement, and through which connection: what rule scopes are matched against.

#include <string_view>

#include "identity/principal.h"

namespace gh::policy {

struct Subject {
  // The verified principal; null for none (only unscoped rules apply then).
  const identity::Principal* principal = nullptr;
  std::string_view connection;  // the gatehouse connection name (the client's dbname)
};

}  // namespace gh::policy
