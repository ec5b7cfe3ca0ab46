#pragma once

// Test-only JOSE toolkit: key generation, JWK export and a compact-JWS signer (including the
// forbidden algorithms, so the verifier's refusals can be shown).

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "identity/algorithm.h"
#include "identity/base64url.h"
#include "identity/jwks.h"

namespace gh::identity::test {

inline EvpPkeyPtr generate_key(JwsAlgorithm alg) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kRS384:
    case JwsAlgorithm::kRS512:
    case JwsAlgorithm::kPS256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case JwsAlgorithm::kES256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case JwsAlgorithm::kES384:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case JwsAlgorithm::kEdDSA:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (k == nullptr) throw std::runtime_error("keygen failed");
  return EvpPkeyPtr(k);
}

inline std::string b64(const std::string& s) { return base64url_encode(s); }

inline std::string bn_b64(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(k, name, &bn)) throw std::runtime_error("get_bn_param");
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return b64(out);
}

// The JWK (public part) of `key`, as a JSON object. `alg` empty leaves "alg" out.
inline std::string jwk_json(EVP_PKEY* key, const std::string& kid, const std::string& alg) {
  std::string fields;
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    fields = R"("kty":"RSA","n":")" + bn_b64(key, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
             bn_b64(key, OSSL_PKEY_PARAM_RSA_E) + "\"";
  } else if (id == EVP_PKEY_EC) {
    unsigned char buf[200];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len);
    size_t c = (len - 1) / 2;
    std::string x(reinterpret_cast<char*>(buf + 1), c), y(reinterpret_cast<char*>(buf + 1 + c), c);
    fields = std::string(R"("kty":"EC","crv":")") + (c == 32 ? "P-256" : "P-384") + R"(","x":")" +
             b64(x) + R"(","y":")" + b64(y) + "\"";
  } else {
    unsigned char buf[32];
    size_t len = sizeof buf;
    EVP_PKEY_get_raw_public_key(key, buf, &len);
    fields = R"("kty":"OKP","crv":"Ed25519","x":")" +
             b64(std::string(reinterpret_cast<char*>(buf), len)) + "\"";
  }
  std::string out = "{" + fields;
  if (!kid.empty()) out += R"(,"kid":")" + kid + "\"";
  if (!alg.empty()) out += R"(,"alg":")" + alg + "\"";
  return out + R"(,"use":"sig"})";
}

inline std::string jwks_json(const std::vector<std::string>& jwks) {
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
  return out + "]}";
}

// PEM of the public key: what an algorithm-confusion attacker uses as the HMAC secret.
inline std::string public_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Signs `signing_input` with `alg` (a JOSE name). "none" gives an empty signature; "HS256"
// uses `hmac_secret`.
inline std::string sign(const std::string& alg, EVP_PKEY* key, const std::string& input,
                        const std::string& hmac_secret = "") {
  if (alg == "none") return "";
  if (alg == "HS256") {
    auto mac = crypto::hmac_sha256(hmac_secret, input);
    return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
  }
  const EVP_MD* md = nullptr;
  if (alg == "RS256" || alg == "PS256" || alg == "ES256") md = EVP_sha256();
  if (alg == "RS384" || alg == "ES384") md = EVP_sha384();
  if (alg == "RS512") md = EVP_sha512();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) <= 0) throw std::runtime_error("init");
  if (alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     input.size()) <= 0) {
    throw std::runtime_error("sign");
  }
  sig.resize(len);
  if (alg == "ES256" || alg == "ES384") {  // DER -> JOSE raw r||s
    size_t c = alg == "ES256" ? 32 : 48;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(2 * c, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), int(c));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + c, int(c));
    ECDSA_SIG_free(es);
    return raw;
  }
  return sig;
}

inline std::string make_token(const std::string& header, const std::string& claims,
                              const std::string& alg, EVP_PKEY* key,
                              const std::string& hmac_secret = "") {
  std::string input = b64(header) + "." + b64(claims);
  return input + "." + b64(sign(alg, key, input, hmac_secret));
}

}  // namespace gh::identity::test
