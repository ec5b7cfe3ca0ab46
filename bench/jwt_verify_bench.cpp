// Cost of verifying an OIDC access token at login: TokenVerifier::verify for RS256 (2048-bit),
// PS256, ES256 and EdDSA tokens with realistic claims, against a baseline measured in the same
// run: the bare OpenSSL signature check of the same signing input (EVP_DigestVerifyInit +
// EVP_DigestVerify on an already decoded, already DER-encoded signature). The difference is
// what gatehouse adds on top of the crypto: base64url decoding, two JSON parses, the header
// and claim checks, the key lookup, the JOSE->DER conversion for ECDSA and the Principal.
//
//   build/jwt_verify_bench [--benchmark_min_time=1]
//
// BM_Baseline_EvpVerify/<alg>   EVP_MD_CTX new + DigestVerifyInit + DigestVerify + free
// BM_TokenVerify/<alg>          TokenVerifier::verify(token, jwks, now), the accepted path
//
// Keys and tokens are made here with OpenSSL; all four keys sit in one JWKS (kid lookup as
// with an IdP that publishes several keys).

#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "identity/algorithm.h"
#include "identity/base64url.h"
#include "identity/jwks.h"
#include "identity/jwt.h"

namespace {

using namespace gh::identity;

constexpr int64_t kNow = 1'800'000'000;
constexpr const char* kIssuer = "https://login.example.com/realms/agents";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "jwt_verify_bench: %s\n", what);
  std::abort();
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// One benchmarked algorithm: its key, the token and what the baseline needs.
struct Case {
  JwsAlgorithm alg;
  EvpPkeyPtr key;
  std::string kid;
  std::string token;
  std::string signing_input;
  std::string der_signature;  // what OpenSSL verifies (DER for ECDSA, raw otherwise)
};

EvpPkeyPtr generate_key(JwsAlgorithm alg) {
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case JwsAlgorithm::kRS256:
    case JwsAlgorithm::kPS256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case JwsAlgorithm::kES256:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case JwsAlgorithm::kEdDSA:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    default:
      fail("no key type for this algorithm");
  }
  if (k == nullptr) fail("keygen failed");
  return EvpPkeyPtr(k);
}

std::string b64(std::string_view s) { return base64url_encode(s); }

std::string bn_b64(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(k, name, &bn)) fail("EVP_PKEY_get_bn_param");
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return b64(out);
}

// The public JWK of `c.key`, with kid, alg and use as an IdP publishes them.
std::string jwk_json(const Case& c) {
  EVP_PKEY* key = c.key.get();
  std::string fields;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      fields = R"("kty":"RSA","n":")" + bn_b64(key, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
               bn_b64(key, OSSL_PKEY_PARAM_RSA_E) + "\"";
      break;
    case EVP_PKEY_EC: {
      unsigned char buf[65];
      size_t len = 0;
      if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) ||
          len != 65) {
        fail("EC public key");
      }
      fields = R"("kty":"EC","crv":"P-256","x":")" + b64({reinterpret_cast<char*>(buf + 1), 32}) +
               R"(","y":")" + b64({reinterpret_cast<char*>(buf + 33), 32}) + "\"";
      break;
    }
    default: {
      unsigned char buf[32];
      size_t len = sizeof buf;
      if (!EVP_PKEY_get_raw_public_key(key, buf, &len)) fail("Ed25519 public key");
      fields =
          R"("kty":"OKP","crv":"Ed25519","x":")" + b64({reinterpret_cast<char*>(buf), len}) + "\"";
    }
  }
  return "{" + fields + R"(,"use":"sig","kid":")" + c.kid + R"(","alg":")" +
         std::string(algorithm_name(c.alg)) + "\"}";
}

const EVP_MD* digest_for(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kEdDSA ? nullptr : EVP_sha256();
}

// Sets PSS padding the way JWS PS256 wants it (salt length = digest length, MGF1-SHA256).
void set_pss(EVP_PKEY_CTX* pctx) {
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0) {
    fail("PSS parameters");
  }
}

// Signs c.signing_input; fills c.der_signature and returns the JOSE signature bytes.
std::string sign(Case& c) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, digest_for(c.alg), nullptr, c.key.get()) <= 0)
    fail("EVP_DigestSignInit");
  if (c.alg == JwsAlgorithm::kPS256) set_pss(pctx);
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes(c.signing_input), c.signing_input.size()) <= 0)
    fail("EVP_DigestSign (size)");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     bytes(c.signing_input), c.signing_input.size()) <= 0)
    fail("EVP_DigestSign");
  sig.resize(len);
  c.der_signature = sig;
  if (c.alg != JwsAlgorithm::kES256) return sig;
  // DER -> JOSE raw r||s
  const unsigned char* p = bytes(sig);
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (es == nullptr) fail("d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(es), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), out + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

// Claims like an IdP's client-credentials access token: ~300 bytes of JSON.
std::string claims_json() {
  return std::string(R"({"iss":")") + kIssuer +
         R"(","sub":"3f9c2d4e-7a1b-4c5d-9e8f-0a1b2c3d4e5f","aud":"gatehouse",)"
         R"("exp":)" +
         std::to_string(kNow + 300) + R"(,"iat":)" + std::to_string(kNow - 10) +
         R"(,"jti":"b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6","client_id":"data-agent-eu-7",)"
         R"("scope":"openid gatehouse","groups":["data-agents","analytics-readers",)"
         R"("eu-west-readers","reporting"]})";
}

Case make_case(JwsAlgorithm alg, const std::string& kid) {
  Case c;
  c.alg = alg;
  c.kid = kid;
  c.key = generate_key(alg);
  std::string header = R"({"alg":")" + std::string(algorithm_name(alg)) +
                       R"(","typ":"at+jwt","kid":")" + kid + "\"}";
  c.signing_input = b64(header) + "." + b64(claims_json());
  c.token = c.signing_input + "." + b64(sign(c));
  return c;
}

struct Fixture {
  std::vector<Case> cases;
  Jwks jwks;
  std::unique_ptr<TokenVerifier> verifier;
};

Fixture& fixture() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    f->cases.push_back(make_case(JwsAlgorithm::kRS256, "bench-rs256"));
    f->cases.push_back(make_case(JwsAlgorithm::kPS256, "bench-ps256"));
    f->cases.push_back(make_case(JwsAlgorithm::kES256, "bench-es256"));
    f->cases.push_back(make_case(JwsAlgorithm::kEdDSA, "bench-eddsa"));
    std::string doc = R"({"keys":[)";
    for (size_t i = 0; i < f->cases.size(); ++i) doc += (i ? "," : "") + jwk_json(f->cases[i]);
    doc += "]}";
    auto jwks = Jwks::parse(doc);
    if (!jwks.ok() || jwks.value().size() != f->cases.size()) fail("Jwks::parse");
    f->jwks = std::move(jwks).value();
    VerifierConfig vc;
    vc.issuer = kIssuer;
    vc.audiences = {"gatehouse"};
    auto v = TokenVerifier::create(vc);
    if (!v.ok()) fail("TokenVerifier::create");
    f->verifier = std::make_unique<TokenVerifier>(std::move(v).value());
    return f;
  }();
  return *f;
}

void BM_Baseline_EvpVerify(benchmark::State& state, const Case& c) {
  for (auto _ : state) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(c.alg), nullptr, c.key.get()) <= 0)
      fail("EVP_DigestVerifyInit");
    if (c.alg == JwsAlgorithm::kPS256) set_pss(pctx);
    int ok = EVP_DigestVerify(ctx.get(), bytes(c.der_signature), c.der_signature.size(),
                              bytes(c.signing_input), c.signing_input.size());
    if (ok != 1) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_TokenVerify(benchmark::State& state, const Case& c) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    TokenVerdict v = f.verifier->verify(c.token, f.jwks, kNow);
    if (!v.ok()) state.SkipWithError(v.error().message.c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const Fixture& f = fixture();
  std::printf("claims %zu bytes; tokens:", claims_json().size());
  for (const Case& c : f.cases)
    std::printf(" %s %zu bytes,", std::string(algorithm_name(c.alg)).c_str(), c.token.size());
  std::printf(" %s\n", OpenSSL_version(OPENSSL_VERSION));
  // Baseline and gatehouse side by side per algorithm.
  for (const Case& c : f.cases) {
    std::string alg(algorithm_name(c.alg));
    benchmark::RegisterBenchmark(("BM_Baseline_EvpVerify/" + alg).c_str(), BM_Baseline_EvpVerify,
                                 std::cref(c))
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_TokenVerify/" + alg).c_str(), BM_TokenVerify, std::cref(c))
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
