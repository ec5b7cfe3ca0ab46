#pragma once

#include <chrono>
#include <string>

#include "identity/jwt.h"

namespace gh::identity {

// One trusted token issuer (the config module fills this in from YAML).
struct IssuerConfig {
  std::string issuer;       // exact "iss"; discovery at <issuer>/.well-known/openid-configuration
  std::string jwks_uri;     // optional: skip discovery and fetch this
  std::string ca_file;      // optional PEM bundle for https; default system CAs
  VerifierConfig verifier;  // audiences, skew, claims (verifier.issuer == issuer, or empty)
  // Cached keys are usable this long after the last successful fetch.
  std::chrono::seconds jwks_max_age{86400};
  std::chrono::seconds jwks_refresh_interval{300};     // background refresh period
  std::chrono::seconds jwks_min_refresh_interval{10};  // on-demand refreshes at most this often
  std::chrono::milliseconds http_timeout{5000};
};

}  // namespace gh::identity
