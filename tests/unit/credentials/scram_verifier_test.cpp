#include "credentials/scram_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/crypto.h"

namespace gh::credentials {
namespace {

// Taken from a PostgreSQL 15 server: SET password_encryption = 'scram-sha-256';
// CREATE ROLE x PASSWORD '<password>'; SELECT rolpassword FROM pg_authid WHERE rolname = 'x'.
struct PgVector {
  const char* password;
  const char* stored;
};
constexpr PgVector kPgVectors[] = {
    {"pw",
     "SCRAM-SHA-256$4096:GVsgZP040OwGrAL55ijjfg==$Ix9RrIRe+YJvgWJnpjKjtxon8N+uARIl0sGMs4kbCuU=:"
     "JMVHztseiiB5K4EOG6TG9PFflUfHIMbr5DS0jlu2Tus="},
    {"correct horse battery staple",
     "SCRAM-SHA-256$4096:oRzfptbUUWNZu7jcvrhKtw==$JXGsnMxFlWgoG2a7hP6jm2S+afROXc3zfSiK+khleu8=:"
     "8H0W8A5WnQamHXzph5kVJ1y25Bhr1hc1dbrA9/1GjbY="},
};

std::vector<uint8_t> salt_of(const std::string& stored) {
  size_t colon = stored.find(':');
  size_t dollar = stored.find('$', colon);
  auto raw = crypto::base64_decode(stored.substr(colon + 1, dollar - colon - 1));
  return {raw->begin(), raw->end()};
}

TEST(ScramVerifier, RecomputesWhatPostgresStores) {
  for (const PgVector& v : kPgVectors) {
    std::string stored = v.stored;
    auto mine = scram_sha256_verifier(v.password, salt_of(stored), 4096);
    ASSERT_TRUE(mine.ok()) << mine.status().message();
    EXPECT_EQ(*mine, stored) << v.password;
  }
}

TEST(ScramVerifier, DefaultsToPostgresParameters) {
  std::vector<uint8_t> salt(kScramSaltBytes, 0x42);
  auto v = scram_sha256_verifier("pw", salt);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->starts_with("SCRAM-SHA-256$4096:QkJCQkJCQkJCQkJCQkJCQg==$")) << *v;
  // StoredKey and ServerKey: 32 bytes each, 44 base64 characters.
  size_t keys = v->rfind('$') + 1;
  EXPECT_EQ(v->size() - keys, 44u + 1 + 44u);
  EXPECT_EQ((*v)[keys + 44], ':');
}

TEST(ScramVerifier, NeverContainsThePassword) {
  std::string pw(64, 'a');
  std::vector<uint8_t> salt(16, 1);
  auto v = scram_sha256_verifier(pw, salt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->find(pw), std::string::npos);
  EXPECT_EQ(v->find(crypto::base64_encode(pw)), std::string::npos);
}

TEST(ScramVerifier, SaltChangesTheKeys) {
  std::vector<uint8_t> a(16, 1), b(16, 2);
  EXPECT_NE(*scram_sha256_verifier("pw", a), *scram_sha256_verifier("pw", b));
}

TEST(ScramVerifier, RefusesInputsItCannotHashLikePostgres) {
  std::vector<uint8_t> salt(16, 1);
  EXPECT_EQ(scram_sha256_verifier("", salt).status().message(), "empty password");
  EXPECT_EQ(scram_sha256_verifier("p\xc3\xa4ss", salt).status().message(),
            "password must be printable ASCII (no SASLprep here)");
  EXPECT_EQ(scram_sha256_verifier("a\nb", salt).status().code(), Status::Code::kInvalid);
  EXPECT_EQ(scram_sha256_verifier("pw", {}).status().message(), "empty SCRAM salt");
  EXPECT_EQ(scram_sha256_verifier("pw", salt, 0).status().code(), Status::Code::kInvalid);
}

}  // namespace
}  // namespace gh::credentials
