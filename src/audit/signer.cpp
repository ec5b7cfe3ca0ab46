#include "audit/signer.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gh::audit {
namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Reads a small file (keys are < 1 KiB; more than 64 KiB is not a key).
Result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Io("cannot open " + path + ": " + std::strerror(errno));
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Status::Io("cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > 65536) {
      ::close(fd);
      return Status::Invalid(path + " is too large to be a key file");
    }
  }
  ::close(fd);
  return out;
}

Status write_file(const std::string& path, const std::string& data, mode_t mode, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Invalid(path + " exists; not overwriting a key");
    return Status::Io("cannot create " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, mode);  // whatever the umask
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Status::Io("cannot write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::Io("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    out = bio_string(bio);
  }
  BIO_free(bio);
  return out;
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (PEM_write_bio_PUBKEY(bio, key) == 1) out = bio_string(bio);
  BIO_free(bio);
  return out;
}

EVP_PKEY* new_ed25519_key() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

}  // namespace

Status generate_key_pair(const std::string& private_path) {
  EVP_PKEY* key = new_ed25519_key();
  if (key == nullptr) return Status::Internal("Ed25519 key generation failed: " + openssl_error());
  std::string priv = private_pem(key);
  std::string pub = public_pem(key);
  EVP_PKEY_free(key);
  if (priv.empty() || pub.empty())
    return Status::Internal("cannot encode the key: " + openssl_error());
  Status s = write_file(private_path, priv, 0600, /*exclusive=*/true);
  if (!s.ok()) return s;
  return write_file(private_path + ".pub", pub, 0644, /*exclusive=*/false);
}

Result<std::unique_ptr<Signer>> Signer::load(const std::string& private_path) {
  struct stat st {};
  if (::stat(private_path.c_str(), &st) != 0) {
    return Status::Io("cannot read audit signing key " + private_path + ": " +
                      std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return Status::Invalid("audit signing key " + private_path + " is readable by others (mode " +
                           mode + "); chmod 600 it");
  }
  auto text = read_small_file(private_path);
  if (!text.ok()) return text.status();
  auto s = from_pem(*text);
  if (!s.ok())
    return Status::Invalid("audit signing key " + private_path + " " + s.status().message());
  return s;
}

Result<std::unique_ptr<Signer>> Signer::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return Status::Invalid("is not a PEM private key: " + openssl_error());
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status::Invalid("is not an Ed25519 key");
  }
  return std::unique_ptr<Signer>(new Signer(key));
}

Result<std::unique_ptr<Signer>> Signer::generate() {
  EVP_PKEY* key = new_ed25519_key();
  if (key == nullptr) return Status::Internal("Ed25519 key generation failed: " + openssl_error());
  return std::unique_ptr<Signer>(new Signer(key));
}

Signer::~Signer() { EVP_PKEY_free(key_); }

std::string Signer::sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t len = sizeof sig;
  bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return crypto::base64_encode(std::span<const uint8_t>(sig, len));
}

std::string Signer::public_key_pem() const { return public_pem(key_); }

Result<std::unique_ptr<Verifier>> Verifier::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    ERR_clear_error();
    bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  if (key == nullptr) return Status::Invalid("not a PEM public key: " + openssl_error());
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status::Invalid("not an Ed25519 key");
  }
  return std::unique_ptr<Verifier>(new Verifier(key));
}

Result<std::unique_ptr<Verifier>> Verifier::load(const std::string& path) {
  auto text = read_small_file(path);
  if (!text.ok()) return text.status();
  auto v = from_pem(*text);
  if (!v.ok()) return Status::Invalid("audit public key " + path + ": " + v.status().message());
  return v;
}

Verifier::~Verifier() { EVP_PKEY_free(key_); }

bool Verifier::verify(std::string_view message, std::string_view signature_b64) const {
  auto sig = crypto::base64_decode(signature_b64);
  if (!sig || sig->size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

}  // namespace gh::audit
