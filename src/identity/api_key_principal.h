#pragma once

// The principal a gatehouse API key stands for: the same for a client login and for the
// admin API's bearer tokens.

#include "identity/principal.h"
#include "store/state_store.h"

namespace gh::identity {

Principal principal_of(const store::ApiKey& key);

}  // namespace gh::identity
