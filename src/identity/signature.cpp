#include "identity/signature.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

namespace gh::identity {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// JOSE carries ECDSA signatures as fixed-width big-endian r||s; OpenSSL wants DER.
bool ecdsa_raw_to_der(std::string_view raw, size_t coord, std::string* der) {
  if (raw.size() != 2 * coord) return false;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(raw), static_cast<int>(coord), nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + coord, static_cast<int>(coord), nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return false;
  der->resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(der->data());
  return i2d_ECDSA_SIG(sig.get(), &p) == len;
}

struct AlgorithmParams {
  int key_type;
  const EVP_MD* md;  // nullptr for EdDSA (one-shot, no pre-hash)
  bool pss;
  size_t ec_coord;
  int ec_bits;
};

AlgorithmParams params_for(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRS256:
      return {EVP_PKEY_RSA, EVP_sha256(), false, 0, 0};
    case JwsAlgorithm::kRS384:
      return {EVP_PKEY_RSA, EVP_sha384(), false, 0, 0};
    case JwsAlgorithm::kRS512:
      return {EVP_PKEY_RSA, EVP_sha512(), false, 0, 0};
    case JwsAlgorithm::kPS256:
      return {EVP_PKEY_RSA, EVP_sha256(), true, 0, 0};
    case JwsAlgorithm::kES256:
      return {EVP_PKEY_EC, EVP_sha256(), false, 32, 256};
    case JwsAlgorithm::kES384:
      return {EVP_PKEY_EC, EVP_sha384(), false, 48, 384};
    case JwsAlgorithm::kEdDSA:
      return {EVP_PKEY_ED25519, nullptr, false, 0, 0};
  }
  return {EVP_PKEY_NONE, nullptr, false, 0, 0};
}

bool verify_unchecked(JwsAlgorithm alg, EVP_PKEY* key, std::string_view signing_input,
                      std::string_view signature) {
  AlgorithmParams p = params_for(alg);
  if (key == nullptr || p.key_type == EVP_PKEY_NONE || EVP_PKEY_get_base_id(key) != p.key_type) {
    return false;
  }
  std::string der;
  if (p.ec_coord != 0) {
    // ES256 needs a P-256 key, ES384 a P-384 key.
    if (EVP_PKEY_get_bits(key) != p.ec_bits) return false;
    if (!ecdsa_raw_to_der(signature, p.ec_coord, &der)) return false;
    signature = der;
  } else if (p.key_type == EVP_PKEY_RSA) {
    if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, p.md, nullptr, key) <= 0) return false;
  if (p.pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, p.md) <= 0)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(signing_input),
                          signing_input.size()) == 1;
}

}  // namespace

bool verify_signature(JwsAlgorithm alg, EVP_PKEY* key, std::string_view signing_input,
                      std::string_view signature) {
  bool ok = verify_unchecked(alg, key, signing_input, signature);
  // A failed verification leaves entries on this thread's OpenSSL error queue; TLS code on
  // the same thread reads that queue, so leave it empty.
  ERR_clear_error();
  return ok;
}

}  // namespace gh::identity
