#include "pg/protocol/scram.h"

#include <gtest/gtest.h>

#include <string>

namespace gh::pg {
namespace {

// RFC 7677 section 3.
constexpr const char* kRfcNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kRfcClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

// The same exchange as PostgreSQL runs it (n= empty), so the auth message and with it
// proof and signature differ. Computed independently with Python's hashlib/hmac.
constexpr const char* kPgClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7CK4n9k=";
constexpr const char* kPgServerFinal = "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=";

constexpr const char* kSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";

std::string server_first(std::string_view nonce_suffix, std::string_view salt,
                         std::string_view iterations) {
  return std::string("r=") + kRfcNonce + std::string(nonce_suffix) + ",s=" + std::string(salt) +
         ",i=" + std::string(iterations);
}

TEST(Scram, Rfc7677TestVector) {
  ScramClient client("pencil", kRfcNonce, "user");
  EXPECT_EQ(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_msg = client.handle_server_first(kRfcServerFirst);
  ASSERT_TRUE(final_msg.ok()) << final_msg.status().message();
  EXPECT_EQ(*final_msg, kRfcClientFinal);
  Status s = client.verify_server_final(kRfcServerFinal);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(Scram, PostgresFlavourWithFixedNonce) {
  ScramClient client("pencil", kRfcNonce);
  EXPECT_EQ(client.client_first(), "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
  Result<std::string> final_msg = client.handle_server_first(kRfcServerFirst);
  ASSERT_TRUE(final_msg.ok()) << final_msg.status().message();
  EXPECT_EQ(*final_msg, kPgClientFinal);
  EXPECT_TRUE(client.verify_server_final(kPgServerFinal).ok());
  // The RFC's signature belongs to a different auth message.
  EXPECT_EQ(client.verify_server_final(kRfcServerFinal).code(), Status::Code::kDenied);
}

// The salted password is cached per thread by (password, salt, iterations): repeated logins,
// and logins interleaving other passwords and salts, still get the exact vector.
TEST(Scram, SaltedPasswordCacheKeepsResultsExact) {
  for (int round = 0; round < 40; ++round) {
    ScramClient client("pencil", kRfcNonce, "user");
    Result<std::string> final_msg = client.handle_server_first(kRfcServerFirst);
    ASSERT_TRUE(final_msg.ok()) << final_msg.status().message();
    EXPECT_EQ(*final_msg, kRfcClientFinal) << "round " << round;
    EXPECT_TRUE(client.verify_server_final(kRfcServerFinal).ok());
    // Other passwords and salts in between evict and refill entries.
    ScramClient other("pencil" + std::to_string(round), kRfcNonce, "user");
    ASSERT_TRUE(other.handle_server_first(kRfcServerFirst).ok());
    EXPECT_FALSE(other.verify_server_final(kRfcServerFinal).ok());
  }
}

TEST(Scram, GeneratedNonce) {
  ScramClient a("pw");
  ScramClient b("pw");
  const std::string prefix = "n,,n=,r=";
  ASSERT_EQ(a.client_first().substr(0, prefix.size()), prefix);
  EXPECT_EQ(a.client_first().size(), prefix.size() + 24) << "18 random bytes, base64";
  EXPECT_NE(a.client_first(), b.client_first());
  EXPECT_EQ(a.client_first().find(',', prefix.size()), std::string::npos);
}

TEST(Scram, UserNameIsEscaped) {
  ScramClient client("pw", "abc", "a,b=c");
  EXPECT_EQ(client.client_first(), "n,,n=a=2Cb=3Dc,r=abc");
}

TEST(Scram, BadNonce) {
  struct Case {
    std::string msg;
    const char* why;
  } cases[] = {
      {"r=someoneElsesNonce123,s=" + std::string(kSalt) + ",i=4096", "not our prefix"},
      {server_first("", kSalt, "4096"), "server added nothing"},
      {"r=rOprNGfwEbeRWgbNEkq,s=" + std::string(kSalt) + ",i=4096", "shorter than ours"},
      {server_first("ab\x01", kSalt, "4096"), "control character"},
      {server_first("ab\x80", kSalt, "4096"), "non-ASCII"},
      {server_first("ab cd", kSalt, "4096"), "space"},
      {"s=" + std::string(kSalt) + ",i=4096", "missing"},
  };
  for (const Case& c : cases) {
    ScramClient client("pencil", kRfcNonce);
    Result<std::string> r = client.handle_server_first(c.msg);
    EXPECT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalid) << c.why;
  }
  ScramClient client("pencil", kRfcNonce);
  EXPECT_EQ(client.handle_server_first(server_first("", kSalt, "4096")).status().message(),
            "invalid SCRAM response (nonce mismatch)");
}

TEST(Scram, BadSalt) {
  for (const char* salt : {"", "!!!!", "abc", "W22ZaJ0SNY7soEsUEjb6gQ=", "A=BC", "==AA", "AB=C",
                           "AAA===", "W22ZaJ0SNY7soEsUEjb6gQ==,"}) {
    ScramClient client("pencil", kRfcNonce);
    Result<std::string> r = client.handle_server_first(server_first("x", salt, "4096"));
    EXPECT_FALSE(r.ok()) << "salt '" << salt << "'";
  }
  ScramClient client("pencil", kRfcNonce);
  EXPECT_EQ(client.handle_server_first(server_first("x", "!!!!", "4096")).status().message(),
            "malformed SCRAM message (invalid salt)");
}

TEST(Scram, BadIterations) {
  for (const char* it : {"0", "-1", "+5", "10000001", "4294967297", "99999999999999999999", "",
                         "abc", "4096x", " 4096", "4096 ", "0x10"}) {
    ScramClient client("pencil", kRfcNonce);
    Result<std::string> r = client.handle_server_first(server_first("x", kSalt, it));
    EXPECT_FALSE(r.ok()) << "i='" << it << "'";
    EXPECT_EQ(r.status().message(), "malformed SCRAM message (invalid iteration count)")
        << "i='" << it << "'";
  }
  // The lower bound is accepted; the upper one (10,000,000) would take seconds to run, so
  // only its neighbour above is checked (in the list above).
  static_assert(ScramClient::kMaxIterations == 10'000'000);
  ScramClient one("pencil", kRfcNonce);
  EXPECT_TRUE(one.handle_server_first(server_first("x", kSalt, "1")).ok());
  // A caller can lower the bound, e.g. to cap CPU per handshake.
  ScramClient capped("pencil", kRfcNonce);
  capped.set_max_iterations(1000);
  EXPECT_FALSE(capped.handle_server_first(server_first("x", kSalt, "4096")).ok());
  ScramClient at_cap("pencil", kRfcNonce);
  at_cap.set_max_iterations(1000);
  EXPECT_TRUE(at_cap.handle_server_first(server_first("x", kSalt, "1000")).ok());
}

TEST(Scram, AttributesOutOfOrderOrExtra) {
  std::string nonce = std::string(kRfcNonce) + "x";
  std::string salt = kSalt;
  for (const std::string& msg : {
           "s=" + salt + ",r=" + nonce + ",i=4096",
           "r=" + nonce + ",i=4096,s=" + salt,
           "m=ext,r=" + nonce + ",s=" + salt + ",i=4096",
           "r=" + nonce + ",s=" + salt + ",i=4096,x=ext",
           "r=" + nonce + ",s=" + salt + ",i=4096,",
           "r=" + nonce + ",s=" + salt,
           "r=" + nonce + ",,s=" + salt + ",i=4096",
           "r=" + nonce + ";s=" + salt + ";i=4096",
           std::string(),
       }) {
    ScramClient client("pencil", kRfcNonce);
    EXPECT_FALSE(client.handle_server_first(msg).ok()) << msg;
  }
}

TEST(Scram, WrongServerSignature) {
  ScramClient client("pencil", kRfcNonce);
  ASSERT_TRUE(client.handle_server_first(kRfcServerFirst).ok());
  // Right length, wrong bytes.
  Status s = client.verify_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(s.code(), Status::Code::kDenied);
  EXPECT_EQ(s.message(), "incorrect server signature");
  // Wrong length, not base64, trailing attributes, missing.
  for (const char* bad : {"v=AAAA", "v=!!!!", "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=,x=1",
                          "v=", "", "x=1", "3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg="}) {
    Status st = client.verify_server_final(bad);
    EXPECT_EQ(st.code(), Status::Code::kInvalid) << bad;
  }
  // The right one still passes afterwards (verification does not consume state).
  EXPECT_TRUE(client.verify_server_final(kPgServerFinal).ok());
}

TEST(Scram, ServerError) {
  ScramClient client("pencil", kRfcNonce);
  ASSERT_TRUE(client.handle_server_first(kRfcServerFirst).ok());
  Status s = client.verify_server_final("e=invalid-proof");
  EXPECT_EQ(s.code(), Status::Code::kDenied);
  EXPECT_EQ(s.message(), "error received from server in SCRAM exchange: invalid-proof");
  // Server text is sanitised and bounded before it can reach a log.
  s = client.verify_server_final("e=bad\x01\n" + std::string(500, 'z'));
  EXPECT_EQ(s.code(), Status::Code::kDenied);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_LT(s.message().size(), 200u);
}

TEST(Scram, OutOfOrderCalls) {
  ScramClient fresh("pencil", kRfcNonce);
  EXPECT_EQ(fresh.verify_server_final(kPgServerFinal).code(), Status::Code::kInvalid);

  ScramClient twice("pencil", kRfcNonce);
  ASSERT_TRUE(twice.handle_server_first(kRfcServerFirst).ok());
  EXPECT_FALSE(twice.handle_server_first(kRfcServerFirst).ok());

  // After a rejected server-first nothing verifies, not even a correct-looking final.
  ScramClient failed("pencil", kRfcNonce);
  ASSERT_FALSE(failed.handle_server_first(server_first("", kSalt, "4096")).ok());
  EXPECT_FALSE(failed.verify_server_final(kPgServerFinal).ok());
  EXPECT_FALSE(failed.handle_server_first(kRfcServerFirst).ok());
}

TEST(Scram, WrongPasswordGivesDifferentProof) {
  ScramClient client("pencil2", kRfcNonce);
  Result<std::string> r = client.handle_server_first(kRfcServerFirst);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(*r, kPgClientFinal);
  EXPECT_EQ(client.verify_server_final(kPgServerFinal).code(), Status::Code::kDenied);
}

TEST(Md5, KnownValues) {
  // Independently: printf passworduser | md5sum, then that hex + salt bytes | md5sum.
  EXPECT_EQ(md5_password_response("user", "password", std::string_view("\x01\x02\x03\x04", 4)),
            "md5a3576f1ae039b8996bc4fc2720f9c71a");
  EXPECT_EQ(md5_password_response("postgres", "secret", "abcd"),
            "md568a34aeb823f3662497ea0b9fb65e46a");
  std::string r = md5_password_response("u", "p", std::string_view("\0\0\0\0", 4));
  EXPECT_EQ(r.size(), 35u);
  EXPECT_EQ(r.substr(0, 3), "md5");
}

}  // namespace
}  // namespace gh::pg
