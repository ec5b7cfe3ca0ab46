#pragma once

// Who is calling the admin API: the `Authorization: Bearer <token>` of a request, checked
// exactly like a client login's password: a gatehouse API key (`ghk_…`, looked up in the
// state store) or an OIDC JWT (identity::TokenAuthenticator). Runs on the admin server's
// threads, which may block: an unknown signing key waits for the JWKS refresh.
//
// Error messages never contain the token.

#include <chrono>
#include <string_view>

#include "common/status.h"
#include "identity/authenticator.h"
#include "identity/principal.h"
#include "store/state_store.h"

namespace gh::admin {

class BearerAuthenticator {
 public:
  // `tokens` may be null (no issuer configured: only API keys). Neither is owned.
  BearerAuthenticator(store::StateStore& store, identity::TokenAuthenticator* tokens,
                      std::chrono::milliseconds refresh_wait = std::chrono::seconds(10))
      : store_(store), tokens_(tokens), refresh_wait_(refresh_wait) {}

  // The principal of an Authorization header value (nullptr: no header). Denied with a
  // message for the client for every refusal; Unavailable when the identity provider could
  // not be reached.
  Result<identity::Principal> authenticate(const std::string* authorization,
                                           int64_t now_s) const;

 private:
  Result<identity::Principal> check_key(std::string_view key, int64_t now_s) const;
  Result<identity::Principal> check_token(std::string_view token, int64_t now_s) const;

  store::StateStore& store_;
  identity::TokenAuthenticator* tokens_;
  std::chrono::milliseconds refresh_wait_;
};

}  // namespace gh::admin
