#pragma once

// What the jwt fuzz target does with one input, shared with the corpus test. The first byte
// picks the mode: 0 parses the rest as a JWKS document; 1 verifies the rest as a compact
// token against the fixed JWKS; 2 reads "<header JSON>\n<claims JSON>", signs it with the
// fixed Ed25519 key so fuzzed claims get past the signature, and verifies it.

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_jwks.h"
#include "identity/base64url.h"
#include "identity/jwks.h"
#include "identity/jwt.h"

namespace gh::identity::fuzz {

enum class Outcome { kJwksOk, kJwksRefused, kTokenOk, kTokenRefused, kEmpty };

inline const Jwks& fixed_jwks() {
  static const Jwks* jwks = [] {
    auto r = Jwks::parse(kJwks);
    if (!r.ok()) __builtin_trap();
    return new Jwks(std::move(r).value());
  }();
  return *jwks;
}

inline const TokenVerifier& fixed_verifier() {
  static const TokenVerifier* v = [] {
    VerifierConfig c;
    c.issuer = kIssuer;
    c.audiences = {kAudience};
    c.groups_claim = "realm_access.roles";
    auto r = TokenVerifier::create(c);
    if (!r.ok()) __builtin_trap();
    return new TokenVerifier(std::move(r).value());
  }();
  return *v;
}

inline std::string sign_ed25519(std::string_view input) {
  static EVP_PKEY* key =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, kEd25519Seed, sizeof kEd25519Seed);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t len = sizeof sig;
  if (!key || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) <= 0 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) <= 0) {
    __builtin_trap();
  }
  return std::string(reinterpret_cast<char*>(sig), len);
}

inline Outcome run_one(std::string_view in, TokenVerdict* verdict = nullptr) {
  if (in.empty()) return Outcome::kEmpty;
  unsigned mode = static_cast<unsigned char>(in[0]) % 3;
  in.remove_prefix(1);
  if (mode == 0) {
    auto r = Jwks::parse(in);
    if (!r.ok()) return Outcome::kJwksRefused;
    for (const Jwk& k : r->keys()) {
      if (!k.key || k.algorithms == 0) __builtin_trap();
      if (!k.kid.empty() && r->find(k.kid) != &k) __builtin_trap();
    }
    return Outcome::kJwksOk;
  }
  std::string token(in);
  if (mode == 2) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos) return Outcome::kEmpty;
    std::string input =
        base64url_encode(in.substr(0, nl)) + "." + base64url_encode(in.substr(nl + 1));
    token = input + "." + base64url_encode(sign_ed25519(input));
  }
  TokenVerdict v = fixed_verifier().verify(token, fixed_jwks(), kNow);
  bool ok = v.ok();
  if (ok && (v.principal().subject.empty() || v.principal().expires_at <= kNow - 60)) {
    __builtin_trap();
  }
  if (!ok && v.status().ok()) __builtin_trap();
  if (verdict) *verdict = std::move(v);
  return ok ? Outcome::kTokenOk : Outcome::kTokenRefused;
}

}  // namespace gh::identity::fuzz
