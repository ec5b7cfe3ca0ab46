#include "pg/protocol/scram.h"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "common/crypto.h"

namespace gh::pg {

namespace {

constexpr size_t kRawNonceLen = 18;  // as libpq
constexpr size_t kKeyLen = 32;       // SHA-256
constexpr size_t kMaxErrorText = 128;

std::string_view as_view(const crypto::Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

void cleanse(crypto::Sha256Digest& d) { OPENSSL_cleanse(d.data(), d.size()); }
void cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// RFC 5802 `printable`: %x21-2B / %x2D-7E (printable ASCII except ',').
bool is_printable_nonce(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == ',') return false;
  }
  return true;
}

// base64_decode tolerates '=' anywhere; SCRAM wants padding only at the end.
std::optional<std::string> strict_base64_decode(std::string_view text) {
  size_t eq = text.find('=');
  if (eq != std::string_view::npos) {
    size_t pad = text.size() - eq;
    if (pad > 2 || text.find_first_not_of('=', eq) != std::string_view::npos) return std::nullopt;
  }
  return crypto::base64_decode(text);
}

// Takes "<name>=<value>" from the front of `in`; the value runs to the next ',' (not
// consumed) or the end.
bool take_attr(std::string_view& in, char name, std::string_view& value) {
  if (in.size() < 2 || in[0] != name || in[1] != '=') return false;
  size_t end = in.find(',', 2);
  if (end == std::string_view::npos) end = in.size();
  value = in.substr(2, end - 2);
  in.remove_prefix(end);
  return true;
}

bool take_comma(std::string_view& in) {
  if (in.empty() || in.front() != ',') return false;
  in.remove_prefix(1);
  return true;
}

// A decimal iteration count without sign or spaces.
bool parse_iterations(std::string_view s, uint32_t max, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < 1 || v > max) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// RFC 5802 saslname: ',' and '=' are escaped.
std::string escape_user(std::string_view user) {
  std::string out;
  out.reserve(user.size());
  for (char c : user) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Server text that ends up in logs: bounded and printable.
std::string sanitize(std::string_view s) {
  std::string out;
  size_t n = s.size() < kMaxErrorText ? s.size() : kMaxErrorText;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    out.push_back(u >= 0x20 && u < 0x7f ? s[i] : '?');
  }
  return out;
}

Status malformed(std::string_view what) {
  return Status::Invalid("malformed SCRAM message (" + std::string(what) + ")");
}

// SaltedPassword = PBKDF2(password, salt, i) costs ~1 ms at PostgreSQL's 4096 iterations,
// and a server answers the same salt and count for a role every time: each io thread keeps
// the last few results, keyed by a hash of all three, as PgBouncer does. (The salted
// password is no more secret than the password, which is in memory anyway.)
crypto::Sha256Digest salted_password(std::string_view password, std::string_view salt,
                                     uint32_t iterations) {
  struct Entry {
    crypto::Sha256Digest key{};
    crypto::Sha256Digest salted{};
    uint64_t used = 0;
  };
  constexpr size_t kEntries = 16;
  thread_local std::array<Entry, kEntries> cache{};
  thread_local uint64_t clock = 0;
  std::string material;
  material.reserve(password.size() + salt.size() + 16);
  material.append(password).push_back('\0');
  material.append(salt).push_back('\0');
  material.append(std::to_string(iterations));
  crypto::Sha256Digest key = crypto::sha256(material);
  OPENSSL_cleanse(material.data(), material.size());
  Entry* oldest = &cache[0];
  for (Entry& e : cache) {
    if (e.used != 0 && CRYPTO_memcmp(e.key.data(), key.data(), key.size()) == 0) {
      e.used = ++clock;
      return e.salted;
    }
    if (e.used < oldest->used) oldest = &e;
  }
  oldest->key = key;
  oldest->salted = crypto::pbkdf2_sha256(password, salt, static_cast<int>(iterations));
  oldest->used = ++clock;
  return oldest->salted;
}

}  // namespace

ScramClient::ScramClient(std::string password, std::string nonce, std::string user)
    : password_(std::move(password)), client_nonce_(std::move(nonce)) {
  if (client_nonce_.empty()) {
    std::array<uint8_t, kRawNonceLen> raw{};
    crypto::random_bytes(raw);
    client_nonce_ = crypto::base64_encode(std::span<const uint8_t>(raw));
  }
  client_first_bare_ = "n=" + escape_user(user) + ",r=" + client_nonce_;
  client_first_ = "n,," + client_first_bare_;
}

ScramClient::~ScramClient() {
  cleanse(password_);
  cleanse(server_signature_);
}

Result<std::string> ScramClient::handle_server_first(std::string_view server_first) {
  if (state_ != State::kStart) return Status::Invalid("unexpected SCRAM server-first-message");
  state_ = State::kFailed;  // until everything below checks out

  std::string_view in = server_first;
  std::string_view nonce, salt_b64, iterations_text;
  // A leading "m=" (mandatory extension) is rejected here too: we support none.
  if (!take_attr(in, 'r', nonce)) return malformed("expected nonce");
  if (nonce.size() <= client_nonce_.size() ||
      nonce.substr(0, client_nonce_.size()) != client_nonce_) {
    return Status::Invalid("invalid SCRAM response (nonce mismatch)");
  }
  if (!is_printable_nonce(nonce)) return malformed("invalid nonce");
  if (!take_comma(in) || !take_attr(in, 's', salt_b64)) return malformed("expected salt");
  std::optional<std::string> salt = strict_base64_decode(salt_b64);
  if (!salt || salt->empty()) return malformed("invalid salt");
  if (!take_comma(in) || !take_attr(in, 'i', iterations_text)) {
    return malformed("expected iteration count");
  }
  uint32_t iterations = 0;
  if (!parse_iterations(iterations_text, max_iterations_, iterations)) {
    return malformed("invalid iteration count");
  }
  if (!in.empty()) return malformed("garbage at end of server-first-message");

  // RFC 5802 section 3.
  crypto::Sha256Digest salted = salted_password(password_, *salt, iterations);
  crypto::Sha256Digest client_key = crypto::hmac_sha256(as_view(salted), "Client Key");
  crypto::Sha256Digest stored_key = crypto::sha256(as_view(client_key));
  crypto::Sha256Digest server_key = crypto::hmac_sha256(as_view(salted), "Server Key");

  // "biws" = base64("n,,"), the GS2 header without channel binding.
  std::string client_final = "c=biws,r=";
  client_final.append(nonce);
  std::string auth_message;
  auth_message.reserve(client_first_bare_.size() + server_first.size() + client_final.size() + 2);
  auth_message.append(client_first_bare_).append(",").append(server_first).append(",");
  auth_message.append(client_final);

  crypto::Sha256Digest client_signature = crypto::hmac_sha256(as_view(stored_key), auth_message);
  crypto::Sha256Digest proof{};
  for (size_t i = 0; i < kKeyLen; ++i) proof[i] = client_key[i] ^ client_signature[i];
  crypto::Sha256Digest server_signature = crypto::hmac_sha256(as_view(server_key), auth_message);
  server_signature_.assign(as_view(server_signature));

  client_final.append(",p=");
  client_final.append(crypto::base64_encode(std::span<const uint8_t>(proof)));

  cleanse(salted);
  cleanse(client_key);
  cleanse(stored_key);
  cleanse(server_key);
  cleanse(client_signature);
  cleanse(proof);
  state_ = State::kWaitServerFinal;
  return client_final;
}

Status ScramClient::verify_server_final(std::string_view server_final) const {
  if (state_ != State::kWaitServerFinal) {
    return Status::Invalid("unexpected SCRAM server-final-message");
  }
  std::string_view in = server_final;
  std::string_view value;
  if (take_attr(in, 'e', value)) {
    return Status::Denied("error received from server in SCRAM exchange: " + sanitize(value));
  }
  if (!take_attr(in, 'v', value)) return malformed("expected server signature");
  if (!in.empty()) return malformed("garbage at end of server-final-message");
  std::optional<std::string> signature = strict_base64_decode(value);
  if (!signature || signature->size() != kKeyLen) return malformed("invalid server signature");
  if (!crypto::constant_time_equal(*signature, server_signature_)) {
    return Status::Denied("incorrect server signature");
  }
  return Status::Ok();
}

std::string md5_password_response(std::string_view user, std::string_view password,
                                  std::string_view salt4) {
  std::string inner(password);
  inner.append(user);
  std::string outer = crypto::md5_hex(inner);
  cleanse(inner);
  outer.append(salt4);
  std::string response = "md5" + crypto::md5_hex(outer);
  cleanse(outer);
  return response;
}

}  // namespace gh::pg
