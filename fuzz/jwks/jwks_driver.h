#pragma once

// What the jwks fuzz target does with one input, shared with the corpus test. These are the
// documents an identity provider (or whoever spoofs one) sends gatehouse. The first byte
// picks the parser: 0 the JWKS, 1 the discovery document (configured issuer kIssuer),
// 2 a URL as found in "jwks_uri".

#include <cstdint>
#include <string_view>

#include "identity/discovery.h"
#include "identity/http_url.h"
#include "identity/jwks.h"

namespace gh::identity::fuzz_idp {

inline constexpr std::string_view kIssuer = "https://idp.example.com/realms/agents";

enum class Outcome { kAccepted, kRefused, kEmpty };

inline Outcome check_url(std::string_view text) {
  auto u = parse_http_url(text);
  if (!u.ok()) {
    if (u.status().message().empty()) __builtin_trap();
    return Outcome::kRefused;
  }
  if (u->host.empty() || u->port == 0 || u->target.empty() || u->target[0] != '/') {
    __builtin_trap();
  }
  (void)check_fetchable_url(text);
  (void)is_loopback_host(u->host);
  return Outcome::kAccepted;
}

inline Outcome run_one(std::string_view in) {
  if (in.empty()) return Outcome::kEmpty;
  unsigned mode = static_cast<unsigned char>(in[0]) % 3;
  in.remove_prefix(1);
  if (mode == 0) {
    auto r = Jwks::parse(in);
    if (!r.ok()) return Outcome::kRefused;
    for (const Jwk& k : r->keys()) {
      if (!k.key || k.algorithms == 0) __builtin_trap();
    }
    return Outcome::kAccepted;
  }
  if (mode == 1) {
    auto d = parse_discovery(in, kIssuer);
    if (!d.ok()) return Outcome::kRefused;
    // Accepted means: the exact issuer, and a jwks_uri the fetcher can parse.
    if (d->issuer != kIssuer || check_url(d->jwks_uri) != Outcome::kAccepted) __builtin_trap();
    return Outcome::kAccepted;
  }
  return check_url(in);
}

}  // namespace gh::identity::fuzz_idp
