#include "identity/http_fetch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "test_idp.h"
#include "test_tls.h"

namespace gh::identity {
namespace {

using namespace std::chrono_literals;
using test::TestIdp;

FetchOptions quick() {
  FetchOptions o;
  o.timeout = 2000ms;
  return o;
}

void expect_error(const Result<std::string>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "got a body: " << r.value().substr(0, 100);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(HttpFetch, Returns200Body) {
  TestIdp idp;
  idp.set("/doc", {200, R"({"a":1})"});
  auto r = http_get(idp.url() + "/doc", quick());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, R"({"a":1})");
  EXPECT_EQ(idp.hits("/doc"), 1);
  EXPECT_EQ(idp.host_headers(), (std::map<size_t, int>{{1, 1}}));  // exactly one Host header
}

TEST(HttpFetch, LocalhostNameIsLoopback) {
  TestIdp idp;
  idp.set("/doc", {200, "x"});
  auto r = http_get("http://localhost:" + std::to_string(idp.port()) + "/doc", quick());
  ASSERT_TRUE(r.ok()) << r.status().message();
}

TEST(HttpFetch, RefusesNon200) {
  TestIdp idp;
  idp.set("/boom", {500, "internal details"});
  auto r = http_get(idp.url() + "/boom", quick());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "GET " + idp.url() + "/boom: HTTP 500 Internal Server Error");
  expect_error(http_get(idp.url() + "/missing", quick()), "HTTP 404");
}

TEST(HttpFetch, DoesNotFollowRedirects) {
  TestIdp idp;
  idp.set("/old", {302, "", "text/plain", idp.url() + "/new"});
  idp.set("/new", {200, "moved"});
  auto r = http_get(idp.url() + "/old", quick());
  expect_error(r, "HTTP 302 redirect to \"" + idp.url() + "/new\" is not followed");
  EXPECT_EQ(idp.hits("/new"), 0);
}

TEST(HttpFetch, RefusesBodyOverTheCap) {
  TestIdp idp;
  idp.set("/big", {200, std::string(Jwks::kMaxDocumentBytes + 1, ' ')});
  idp.set("/fits", {200, std::string(Jwks::kMaxDocumentBytes, ' ')});
  expect_error(http_get(idp.url() + "/big", quick()),
               "response body is larger than " + std::to_string(Jwks::kMaxDocumentBytes));
  EXPECT_TRUE(http_get(idp.url() + "/fits", quick()).ok());
}

TEST(HttpFetch, RefusesStreamedBodyOverTheCap) {
  // No Content-Length: the cap must hold while the body streams in.
  httplib::Server* raw = new httplib::Server;
  raw->Get("/stream", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      std::string chunk(64 * 1024, 'x');
      for (int i = 0; i < 32 && sink.is_writable(); ++i) sink.write(chunk.data(), chunk.size());
      sink.done();
      return true;
    });
  });
  TestIdp idp{std::unique_ptr<httplib::Server>(raw)};
  FetchOptions o = quick();
  o.max_body_bytes = 100 * 1024;
  expect_error(http_get(idp.url() + "/stream", o), "response body is larger than 102400 bytes");
}

TEST(HttpFetch, RefusesPlainHttpToNonLoopbackHost) {
  auto r = http_get("http://idp.example.com/.well-known/openid-configuration", quick());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  expect_error(r, "refusing plain http to http://idp.example.com/.well-known/openid-configuration");
  expect_error(http_get("http://10.0.0.1/jwks", quick()), "allowed only to a loopback host");
  expect_error(http_get("file:///etc/passwd", quick()), "is not an http:// or https:// URL");
}

TEST(HttpFetch, ConnectionRefused) {
  int port = test::closed_port();
  auto r = http_get("http://127.0.0.1:" + std::to_string(port) + "/jwks", quick());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  expect_error(r, "connect to 127.0.0.1:" + std::to_string(port) + " failed");
  expect_error(r, "Connection refused");
}

TEST(HttpFetch, TimesOutOnAServerThatNeverAnswers) {
  test::SilentServer silent;
  FetchOptions o;
  o.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = http_get(silent.url() + "/jwks", o);
  auto took = std::chrono::steady_clock::now() - start;
  expect_error(r, "no complete response within 300 ms");
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2s);
}

TEST(HttpFetch, CancelInterruptsAFetchInFlight) {
  test::SilentServer silent;
  FetchCancel cancel;
  FetchOptions o;
  o.timeout = 10s;
  o.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = http_get(silent.url() + "/jwks", o);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  expect_error(r, "cancelled");
  expect_error(http_get(silent.url() + "/jwks", o), "cancelled");  // and stays cancelled
}

class HttpsFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gh-idp-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<TestIdp> serve(const test::TlsFiles& tls) {
    auto idp = std::make_unique<TestIdp>(
        std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str()));
    idp->set("/doc", {200, "secret keys"});
    return idp;
  }
  std::filesystem::path dir_;
};

TEST_F(HttpsFetch, VerifiesTheCertificateAgainstCaFile) {
  auto tls = test::write_self_signed(dir_, "ip", "IP:127.0.0.1");
  auto idp = serve(tls);
  FetchOptions o = quick();
  o.ca_file = tls.cert;
  auto r = http_get(idp->url() + "/doc", o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "secret keys");
}

TEST_F(HttpsFetch, RefusesAnUntrustedCertificate) {
  auto tls = test::write_self_signed(dir_, "ip", "IP:127.0.0.1");
  auto idp = serve(tls);
  auto r = http_get(idp->url() + "/doc", quick());  // system CAs do not know it
  expect_error(r, "TLS certificate of 127.0.0.1:" + std::to_string(idp->port()) +
                      " is not trusted (self-signed certificate");
}

TEST_F(HttpsFetch, RefusesACertificateForAnotherHost) {
  auto tls = test::write_self_signed(dir_, "dns", "DNS:idp.example.com");
  auto idp = serve(tls);
  FetchOptions o = quick();
  o.ca_file = tls.cert;
  expect_error(http_get(idp->url() + "/doc", o), "does not match host name 127.0.0.1");
}

TEST_F(HttpsFetch, UnreadableCaFile) {
  auto tls = test::write_self_signed(dir_, "ip", "IP:127.0.0.1");
  auto idp = serve(tls);
  FetchOptions o = quick();
  o.ca_file = (dir_ / "missing.pem").string();
  expect_error(http_get(idp->url() + "/doc", o), "cannot load CA certificates from");
}

TEST_F(HttpsFetch, PlainHttpClientAgainstTlsServerFails) {
  auto tls = test::write_self_signed(dir_, "ip", "IP:127.0.0.1");
  auto idp = serve(tls);
  std::string http_url = "http://127.0.0.1:" + std::to_string(idp->port()) + "/doc";
  EXPECT_FALSE(http_get(http_url, quick()).ok());
}

TEST(HttpsFetchPlainServer, TlsClientAgainstPlainServerFailsTheHandshake) {
  TestIdp idp;
  idp.set("/doc", {200, "x"});
  std::string https_url = "https://127.0.0.1:" + std::to_string(idp.port()) + "/doc";
  auto r = http_get(https_url, quick());
  expect_error(r, "GET " + https_url +
                      ": TLS handshake with 127.0.0.1:" + std::to_string(idp.port()) + " failed");
}

}  // namespace
}  // namespace gh::identity
