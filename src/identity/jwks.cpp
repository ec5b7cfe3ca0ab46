#include "identity/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <string>

#include "identity/base64url.h"
#include "identity/json_util.h"

namespace gh::identity {
namespace {

constexpr int kMaxRsaBits = 16384;

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// Either a key, a reason to skip it (unsupported but harmless), or an error (broken).
struct KeyOutcome {
  EvpPkeyPtr key;
  AlgorithmSet algorithms = 0;
  bool skip = false;
  std::string error;
};

KeyOutcome skip() {
  KeyOutcome k;
  k.skip = true;
  return k;
}
KeyOutcome fail(std::string why) {
  KeyOutcome k;
  k.error = std::move(why);
  return k;
}
KeyOutcome usable(EvpPkeyPtr key, AlgorithmSet algorithms) {
  KeyOutcome k;
  k.key = std::move(key);
  k.algorithms = algorithms;
  return k;
}

std::optional<std::string> b64_member(simdjson::dom::object jwk, std::string_view name) {
  auto text = json::string_member(jwk, name);
  if (!text) return std::nullopt;
  return base64url_decode(*text);
}

EvpPkeyPtr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
  return EvpPkeyPtr(raw);
}

KeyOutcome rsa_key(simdjson::dom::object jwk, std::optional<std::string_view> alg) {
  AlgorithmSet algs = kRsaAlgorithms;
  if (alg) {
    auto a = parse_algorithm(*alg);
    if (!a || !(algorithm_bit(*a) & kRsaAlgorithms)) return skip();  // e.g. RSA-OAEP, PS384
    algs = algorithm_bit(*a);
  }
  auto n = b64_member(jwk, "n");
  auto e = b64_member(jwk, "e");
  if (!n || n->empty()) return fail("RSA key has no valid base64url \"n\"");
  if (!e || e->empty() || e->size() > 8) return fail("RSA key has no valid base64url \"e\"");
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                       static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                       static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return fail("out of memory");
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) return fail("RSA key has an invalid \"e\"");
  int bits = BN_num_bits(bn_n.get());
  if (bits < Jwks::kMinRsaBits || bits > kMaxRsaBits) return skip();
  if (!BN_is_odd(bn_n.get())) return fail("RSA key has an invalid \"n\"");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return fail("out of memory");
  }
  EvpPkeyPtr key = from_params("RSA", bld.get());
  if (!key) return fail("RSA key parameters are rejected by OpenSSL");
  return usable(std::move(key), algs);
}

KeyOutcome ec_key(simdjson::dom::object jwk, std::optional<std::string_view> alg) {
  auto crv = json::string_member(jwk, "crv");
  if (!crv) return fail("EC key has no \"crv\"");
  const char* group = nullptr;
  size_t coord = 0;
  JwsAlgorithm a;
  if (*crv == "P-256") {
    group = "prime256v1", coord = 32, a = JwsAlgorithm::kES256;
  } else if (*crv == "P-384") {
    group = "secp384r1", coord = 48, a = JwsAlgorithm::kES384;
  } else {
    return skip();  // P-521, secp256k1, ...
  }
  if (alg && *alg != algorithm_name(a)) return skip();  // e.g. ECDH-ES
  auto x = b64_member(jwk, "x");
  auto y = b64_member(jwk, "y");
  if (!x || !y || x->size() != coord || y->size() != coord) {
    return fail("EC key \"x\"/\"y\" are not " + std::to_string(coord) + "-byte base64url");
  }
  std::string point = "\x04" + *x + *y;  // SEC1 uncompressed
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return fail("out of memory");
  }
  // OpenSSL decodes the point and refuses one that is not on the curve.
  EvpPkeyPtr key = from_params("EC", bld.get());
  if (!key) return fail("EC key point is not on curve " + std::string(*crv));
  return usable(std::move(key), algorithm_bit(a));
}

KeyOutcome okp_key(simdjson::dom::object jwk, std::optional<std::string_view> alg) {
  auto crv = json::string_member(jwk, "crv");
  if (!crv) return fail("OKP key has no \"crv\"");
  if (*crv != "Ed25519") return skip();  // Ed448, X25519
  if (alg && *alg != "EdDSA") return skip();
  auto x = b64_member(jwk, "x");
  if (!x || x->size() != 32) return fail("Ed25519 key \"x\" is not 32-byte base64url");
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
  if (!key) return fail("Ed25519 key is rejected by OpenSSL");
  return usable(std::move(key), algorithm_bit(JwsAlgorithm::kEdDSA));
}

KeyOutcome parse_key(simdjson::dom::object jwk) {
  auto kty = json::string_member(jwk, "kty");
  if (!kty) return fail("key has no \"kty\" string");
  if (json::present(jwk, "use")) {
    auto use = json::string_member(jwk, "use");
    if (!use) return fail("key \"use\" is not a string");
    if (*use != "sig") return skip();
  }
  std::optional<std::string_view> alg;
  if (json::present(jwk, "alg")) {
    alg = json::string_member(jwk, "alg");
    if (!alg) return fail("key \"alg\" is not a string");
  }
  if (*kty == "RSA") return rsa_key(jwk, alg);
  if (*kty == "EC") return ec_key(jwk, alg);
  if (*kty == "OKP") return okp_key(jwk, alg);
  return skip();  // "oct" (HMAC secrets have no place here) and anything unknown
}

}  // namespace

Result<Jwks> Jwks::parse(std::string_view text) {
  if (text.size() > kMaxDocumentBytes) {
    return Status::Invalid("JWKS document is larger than " + std::to_string(kMaxDocumentBytes) +
                           " bytes");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::Invalid(std::string("JWKS document is not JSON: ") +
                           simdjson::error_message(err));
  }
  simdjson::dom::object root;
  simdjson::dom::array keys;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return Status::Invalid("JWKS document is not a JSON object");
  }
  if (root.at_key("keys").get_array().get(keys) != simdjson::SUCCESS) {
    return Status::Invalid("JWKS document has no \"keys\" array");
  }
  if (keys.size() > kMaxKeys) {
    return Status::Invalid("JWKS document has more than " + std::to_string(kMaxKeys) + " keys");
  }
  Jwks out;
  size_t index = 0;
  for (simdjson::dom::element e : keys) {
    simdjson::dom::object jwk;
    std::string where = "JWKS key " + std::to_string(index++);
    if (e.get_object().get(jwk) != simdjson::SUCCESS) {
      return Status::Invalid(where + " is not a JSON object");
    }
    std::string kid;
    if (json::present(jwk, "kid")) {
      auto k = json::string_member(jwk, "kid");
      if (!k) return Status::Invalid(where + ": \"kid\" is not a string");
      kid = std::string(*k);
      where += " (kid \"" + kid + "\")";
    }
    if (json::has_duplicate_keys(jwk)) return Status::Invalid(where + " has duplicate members");
    KeyOutcome k = parse_key(jwk);
    ERR_clear_error();  // OpenSSL failures leave the thread's error queue non-empty
    if (!k.error.empty()) return Status::Invalid(where + ": " + k.error);
    if (k.skip) {
      ++out.skipped_;
      continue;
    }
    for (const Jwk& other : out.keys_) {
      if (!kid.empty() && other.kid == kid)
        return Status::Invalid(where + ": kid is used by two keys");
    }
    out.keys_.push_back(Jwk{std::move(kid), k.algorithms, std::move(k.key)});
  }
  return out;
}

const Jwk* Jwks::find(std::string_view kid) const {
  if (kid.empty()) return keys_.size() == 1 ? &keys_[0] : nullptr;
  for (const Jwk& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

}  // namespace gh::identity
