// SHA256_Init/Update/Final are deprecated in OpenSSL 3 but still provided. They are used on
// purpose: a SHA256_CTX is a plain struct, so the key's absorbed pads are copied by value.
// The EVP equivalent (EVP_MD_CTX_copy_ex) allocates a provider context on every copy and
// made a token ~3x slower.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "masking/hash_key.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace gh::masking {

namespace {
constexpr size_t kBlock = 64;  // SHA-256 block size
}  // namespace

struct HashKey::Contexts {
  SHA256_CTX inner;  // after absorbing key ^ ipad
  SHA256_CTX outer;  // after absorbing key ^ opad
};

HashKey::~HashKey() {
  if (ctx_) OPENSSL_cleanse(ctx_.get(), sizeof(Contexts));
}

Result<std::unique_ptr<HashKey>> HashKey::create(std::string_view key) {
  if (key.empty()) return Status::Invalid("the masking hash key is empty");
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  std::unique_ptr<HashKey> k(new HashKey());
  k->ctx_ = std::make_unique<Contexts>();
  unsigned char pad[kBlock];
  bool ok = true;
  for (int i = 0; i < 2; ++i) {
    const unsigned char x = i == 0 ? 0x36 : 0x5c;
    for (size_t j = 0; j < kBlock; ++j) pad[j] = block[j] ^ x;
    SHA256_CTX* c = i == 0 ? &k->ctx_->inner : &k->ctx_->outer;
    ok = ok && SHA256_Init(c) == 1 && SHA256_Update(c, pad, kBlock) == 1;
  }
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  if (!ok) return Status::Internal("cannot set up HMAC-SHA256 for the masking hash key");
  return k;
}

HashKey::Digest HashKey::mac(std::string_view value) const {
  Digest inner{};
  Digest out{};
  SHA256_CTX c = ctx_->inner;
  SHA256_Update(&c, value.data(), value.size());
  SHA256_Final(inner.data(), &c);
  c = ctx_->outer;
  SHA256_Update(&c, inner.data(), inner.size());
  SHA256_Final(out.data(), &c);
  OPENSSL_cleanse(&c, sizeof c);
  return out;
}

}  // namespace gh::masking
