#include "identity/http_url.h"

#include <gtest/gtest.h>

namespace gh::identity {
namespace {

TEST(HttpUrl, ParsesHostPortAndTarget) {
  auto u = parse_http_url("https://IdP.Example.com:8443/realms/a/certs?x=1");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "idp.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/realms/a/certs?x=1");
  EXPECT_EQ(u->authority(), "idp.example.com:8443");
}

TEST(HttpUrl, DefaultsPortAndPath) {
  auto u = parse_http_url("http://127.0.0.1");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->https);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  auto s = parse_http_url("https://idp.example?q");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->target, "/?q");
}

TEST(HttpUrl, ParsesIpv6Literal) {
  auto u = parse_http_url("http://[::1]:8080/jwks");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->authority(), "[::1]:8080");
}

TEST(HttpUrl, RefusesWhatItWouldHaveToGuess) {
  struct Case {
    const char* url;
    const char* why;
  } cases[] = {
      {"ftp://idp.example/", "is not an http:// or https:// URL"},
      {"HTTPS://idp.example/", "is not an http:// or https:// URL"},
      {"//idp.example/", "is not an http:// or https:// URL"},
      {"https://user:pw@idp.example/", "user info"},
      {"https:///jwks", "has no host"},
      {"https://idp.example:/", "empty port"},
      {"https://idp.example:0/", "outside 1-65535"},
      {"https://idp.example:65536/", "outside 1-65535"},
      {"https://idp.example:12a/", "invalid port"},
      {"https://idp.example:123456/", "invalid port"},
      {"https://[::1/", "unterminated IPv6"},
      {"https://[not-ip]/", "invalid IPv6"},
      {"https://[::1]x/", "junk after"},
      {"https://idp example/", "invalid host name"},
      {"https://idp.example/a b", "percent-encoded"},
      {"https://idp.example/a\nb", "percent-encoded"},
      {"https://idp.example/a#frag", "has a fragment"},
      {"https://idp.example\\evil/", "invalid host name"},
  };
  for (const auto& c : cases) {
    auto u = parse_http_url(c.url);
    ASSERT_FALSE(u.ok()) << c.url;
    EXPECT_EQ(u.status().code(), Status::Code::kInvalid);
    EXPECT_NE(u.status().message().find(c.why), std::string::npos)
        << c.url << ": " << u.status().message();
  }
  EXPECT_FALSE(parse_http_url("https://idp.example/" + std::string(3000, 'a')).ok());
}

TEST(HttpUrl, MessagesShowTheUrlSafely) {
  auto u = parse_http_url("gopher://x/\x01\x7f");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().message(), "URL \"gopher://x/??\" is not an http:// or https:// URL");
}

TEST(HttpUrl, LoopbackHosts) {
  for (const char* h : {"localhost", "127.0.0.1", "127.1.2.3", "127.255.255.255", "::1"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const char* h : {"10.0.0.1", "128.0.0.1", "localhost.example", "127.0.0.1.nip.io", "::2",
                        "0.0.0.0", "", "2130706433"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

TEST(HttpUrl, PlainHttpOnlyToLoopback) {
  EXPECT_TRUE(check_fetchable_url("https://idp.example/jwks").ok());
  EXPECT_TRUE(check_fetchable_url("http://127.0.0.1:8080/jwks").ok());
  EXPECT_TRUE(check_fetchable_url("http://localhost/jwks").ok());
  EXPECT_TRUE(check_fetchable_url("http://[::1]/jwks").ok());
  Status s = check_fetchable_url("http://idp.example/jwks");
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_EQ(s.message(),
            "refusing plain http to http://idp.example/jwks: http is allowed only to a loopback "
            "host (127.0.0.1, ::1, localhost); use https");
  EXPECT_FALSE(check_fetchable_url("http://10.1.2.3/jwks").ok());
  EXPECT_FALSE(check_fetchable_url("not a url").ok());
}

}  // namespace
}  // namespace gh::identity
