#include "audit/signer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "audit_test_util.h"

namespace gh::audit {
namespace {

using test::AuditTest;

mode_t mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

class SignerTest : public AuditTest {};

TEST_F(SignerTest, KeygenWritesPrivate0600AndPublicPem) {
  std::string key = (root_ / "audit.key").string();
  ASSERT_TRUE(generate_key_pair(key).ok());
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_EQ(mode_of(key + ".pub"), 0644u);
  EXPECT_NE(test::read_file(key + ".pub").find("BEGIN PUBLIC KEY"), std::string::npos);

  auto signer = Signer::load(key);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  auto verifier = Verifier::load(key + ".pub");
  ASSERT_TRUE(verifier.ok()) << verifier.status().message();
  Checkpoint cp{1, 2, 3, std::string(64, 'a'), 4, ""};
  (*signer)->sign(cp);
  EXPECT_EQ(crypto::base64_decode(cp.signature_b64)->size(), 64u);
  EXPECT_TRUE((*verifier)->verify(cp));
  // The private key file also works for verifying (its public half).
  auto from_private = Verifier::load(key);
  ASSERT_TRUE(from_private.ok());
  EXPECT_TRUE((*from_private)->verify(cp));

  // Refuses to overwrite a key.
  Status again = generate_key_pair(key);
  EXPECT_EQ(again.code(), Status::Code::kInvalid);
  EXPECT_NE(again.message().find("exists"), std::string::npos);
}

TEST_F(SignerTest, AnyChangeToTheSignedFieldsBreaksTheSignature) {
  Checkpoint cp{1, 2, 3, std::string(64, 'a'), 4, ""};
  test::test_signer().sign(cp);
  const Verifier& v = test::test_verifier();
  ASSERT_TRUE(v.verify(cp));
  for (int field = 0; field < 5; ++field) {
    Checkpoint c = cp;
    switch (field) {
      case 0:
        c.stream = 2;
        break;
      case 1:
        c.segment = 3;
        break;
      case 2:
        c.seq = 4;
        break;
      case 3:
        c.hash_hex[0] = 'b';
        break;
      case 4:
        c.time_ns = 5;
        break;
    }
    EXPECT_FALSE(v.verify(c)) << field;
  }
  Checkpoint c = cp;
  c.signature_b64 = "not base64!";
  EXPECT_FALSE(v.verify(c));
  c.signature_b64 = crypto::base64_encode(std::string(64, 'x'));
  EXPECT_FALSE(v.verify(c));
  // Another key's signature does not verify.
  auto other = Signer::generate();
  ASSERT_TRUE(other.ok());
  c = cp;
  (*other)->sign(c);
  EXPECT_FALSE(v.verify(c));
}

TEST_F(SignerTest, LoadErrorsAreClear) {
  std::string key = (root_ / "k").string();
  auto missing = Signer::load(key);
  EXPECT_EQ(missing.status().code(), Status::Code::kIo);
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos);

  ASSERT_TRUE(generate_key_pair(key).ok());
  ::chmod(key.c_str(), 0644);
  auto open_to_all = Signer::load(key);
  EXPECT_EQ(open_to_all.status().code(), Status::Code::kInvalid);
  EXPECT_NE(open_to_all.status().message().find("readable by others (mode 0644)"),
            std::string::npos)
      << open_to_all.status().message();

  std::string junk = (root_ / "junk").string();
  test::write_file(junk, "hello");
  ::chmod(junk.c_str(), 0600);
  EXPECT_NE(Signer::load(junk).status().message().find("not a PEM private key"), std::string::npos);
  EXPECT_FALSE(Verifier::load(junk).ok());
  EXPECT_FALSE(
      Verifier::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
}

}  // namespace
}  // namespace gh::audit
