#pragma once

// Ed25519 checkpoint signing (OpenSSL 3 EVP). The private key signs in the gateway; the
// public key (<key>.pub) is all an auditor needs to verify.

#include <memory>
#include <string>
#include <string_view>

#include "audit/control_records.h"
#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT: OpenSSL's forward declaration

namespace gh::audit {

// Writes a new key pair: the private key (PKCS#8 PEM, mode 0600) at `private_path` and
// the public key (SubjectPublicKeyInfo PEM, 0644) at `private_path + ".pub"`. Refuses to
// overwrite an existing private key (Invalid).
Status generate_key_pair(const std::string& private_path);

// Signs checkpoints. Safe to share between threads (each call has its own context).
class Signer {
 public:
  // Loads an Ed25519 private key. Invalid when the file is readable by group or others,
  // is not PEM, or holds another kind of key.
  static Result<std::unique_ptr<Signer>> load(const std::string& private_path);
  // A fresh in-memory key (tests, benchmarks).
  static Result<std::unique_ptr<Signer>> generate();
  // From PEM text (tests and fuzzing use fixed keys).
  static Result<std::unique_ptr<Signer>> from_pem(std::string_view pem);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // Base64 of the 64-byte signature; empty only if OpenSSL fails.
  std::string sign(std::string_view message) const;
  // Sets cp.signature_b64 over checkpoint_signing_text(cp).
  void sign(Checkpoint& cp) const { cp.signature_b64 = sign(checkpoint_signing_text(cp)); }
  std::string public_key_pem() const;

 private:
  explicit Signer(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_;
};

// Verifies checkpoint signatures with a public key.
class Verifier {
 public:
  // Accepts the public key PEM, or a private key PEM (whose public half is used).
  static Result<std::unique_ptr<Verifier>> load(const std::string& path);
  static Result<std::unique_ptr<Verifier>> from_pem(std::string_view pem);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  bool verify(std::string_view message, std::string_view signature_b64) const;
  bool verify(const Checkpoint& cp) const {
    return verify(checkpoint_signing_text(cp), cp.signature_b64);
  }

 private:
  explicit Verifier(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_;
};

}  // namespace gh::audit
