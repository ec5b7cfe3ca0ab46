#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::identity {

// The members of an OpenID Provider's discovery document that gatehouse uses.
struct DiscoveryDocument {
  std::string issuer;
  std::string jwks_uri;
};

// Where discovery looks: <issuer>/.well-known/openid-configuration, with a trailing '/' of
// the issuer removed first (OpenID Connect Discovery 1.0 §4).
std::string discovery_url(std::string_view issuer);

// Parses /.well-known/openid-configuration. "issuer" must equal `expected_issuer` exactly
// (OIDC Discovery §4.3, RFC 8414 §3.3: otherwise a provider could vouch for keys of another
// issuer) and "jwks_uri" must be an http(s) URL. Status::Invalid says which rule failed.
Result<DiscoveryDocument> parse_discovery(std::string_view json, std::string_view expected_issuer);

}  // namespace gh::identity
