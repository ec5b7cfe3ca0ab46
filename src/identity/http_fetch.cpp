#include "identity/http_fetch.h"

#include <httplib.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>

#include "identity/http_url.h"

namespace gh::identity {

void FetchCancel::cancel() {
  std::lock_guard lk(mu_);
  cancelled_ = true;
  if (abort_current_) abort_current_();
}

bool FetchCancel::cancelled() const {
  std::lock_guard lk(mu_);
  return cancelled_;
}

// Makes the running client stoppable through a FetchCancel for the duration of one request.
// ClientImpl::stop() is httplib's thread-safe way to interrupt a request in flight.
class FetchRegistration {
 public:
  FetchRegistration(FetchCancel* cancel, httplib::ClientImpl* client) : cancel_(cancel) {
    if (cancel_ == nullptr) return;
    std::lock_guard lk(cancel_->mu_);
    cancel_->abort_current_ = [client] { client->stop(); };
  }
  ~FetchRegistration() {
    if (cancel_ == nullptr) return;
    std::lock_guard lk(cancel_->mu_);
    cancel_->abort_current_ = nullptr;
  }
  FetchRegistration(const FetchRegistration&) = delete;
  FetchRegistration& operator=(const FetchRegistration&) = delete;

 private:
  FetchCancel* cancel_;
};

namespace {

using Clock = std::chrono::steady_clock;

std::string shown(std::string_view s, size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (s.size() > max) out += "...";
  return out;
}

std::optional<uint64_t> parse_length(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Why connecting to `ai` fails (an errno), or 0 if it does not: one non-blocking connect
// bounded by `timeout`.
int probe_connect(const addrinfo* ai, std::chrono::milliseconds timeout) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
      socklen_t len = sizeof err;
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (n < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
      }
    }
  }
  ::close(fd);
  return err;
}

// httplib reports every failed connect as Error::Connection without the reason; find it
// out with a second look (only on failure, so it costs nothing on the common path).
std::string connect_failure(const HttpUrl& u, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(u.port);
  int rc = getaddrinfo(u.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return "cannot resolve host " + u.host + ": " + gai_strerror(rc);
  int err = 0;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    err = probe_connect(ai, timeout);
    if (err == 0) break;
  }
  freeaddrinfo(found);
  std::string out = "connect to " + u.authority() + " failed";
  return err == 0 ? out : out + ": " + std::strerror(err);
}

std::string tls_failure(const HttpUrl& u, const httplib::ClientImpl& client,
                        const FetchOptions& o) {
  const auto* ssl = dynamic_cast<const httplib::SSLClient*>(&client);
  long verify = ssl ? ssl->get_openssl_verify_result() : X509_V_OK;
  if (verify != X509_V_OK) {
    return "TLS certificate of " + u.authority() + " is not trusted (" +
           X509_verify_cert_error_string(verify) +
           "; trust anchors: " + (o.ca_file.empty() ? std::string("system default") : o.ca_file) +
           ")";
  }
  return "TLS certificate of " + u.authority() + " does not match host name " + u.host;
}

std::string describe(httplib::Error err, const HttpUrl& u, const httplib::ClientImpl& client,
                     const FetchOptions& o, Clock::duration elapsed) {
  const std::string ms = std::to_string(o.timeout.count()) + " ms";
  switch (err) {
    case httplib::Error::Connection:
      return connect_failure(u, o.timeout);
    case httplib::Error::ConnectionTimeout:
      return "connect to " + u.authority() + " timed out after " + ms;
    case httplib::Error::Read:
      // A read that hit the timeout and a peer that hung up look the same to httplib.
      if (elapsed >= o.timeout) return "no complete response within " + ms;
      return "connection to " + u.authority() + " closed before a complete response";
    case httplib::Error::Write:
      return "sending the request to " + u.authority() + " failed";
    case httplib::Error::SSLConnection: {
      unsigned long e = ERR_get_error();
      ERR_clear_error();
      const char* why = e != 0 ? ERR_reason_error_string(e) : nullptr;
      return "TLS handshake with " + u.authority() + " failed" +
             (why != nullptr ? ": " + shown(why) : std::string());
    }
    case httplib::Error::SSLLoadingCerts:
      return "cannot load CA certificates from " +
             (o.ca_file.empty() ? std::string("the system default paths") : o.ca_file);
    case httplib::Error::SSLServerVerification:
      return tls_failure(u, client, o);
    case httplib::Error::Compression:
      return "cannot decompress the response body";
    default:
      return "request failed: " + httplib::to_string(err);
  }
}

Result<std::string> get(const HttpUrl& u, const FetchOptions& o, const std::string& where) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (u.https) {
    auto ssl = std::make_unique<httplib::SSLClient>(u.host, u.port);
    if (!o.ca_file.empty()) ssl->set_ca_cert_path(o.ca_file);
    ssl->enable_server_certificate_verification(true);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(u.host, u.port);
  }
  if (!client->is_valid()) return Status::Unavailable(where + "cannot set up the HTTP client");
  client->set_connection_timeout(o.timeout);
  client->set_read_timeout(o.timeout);
  client->set_write_timeout(o.timeout);
  client->set_follow_location(false);
  client->set_keep_alive(false);

  bool default_port = u.port == (u.https ? 443 : 80);
  httplib::Headers headers = {
      {"Host", default_port ? u.authority().substr(0, u.authority().rfind(':')) : u.authority()},
      {"Accept", "application/json"},
      {"User-Agent", "gatehouse"},
  };

  const Clock::time_point start = Clock::now();
  int status = 0;
  std::string reason, location, body;
  bool too_large = false, deadline = false;
  auto cancelled = [&] { return o.cancel != nullptr && o.cancel->cancelled(); };
  auto on_response = [&](const httplib::Response& r) {
    status = r.status;
    reason = r.reason;
    location = r.get_header_value("Location");
    if (status != 200) return false;
    if (r.has_header("Content-Length")) {
      auto n = parse_length(r.get_header_value("Content-Length"));
      if (n && *n > o.max_body_bytes) {
        too_large = true;
        return false;
      }
    }
    return !cancelled();
  };
  auto on_data = [&](const char* data, size_t n) {
    if (body.size() + n > o.max_body_bytes) {
      too_large = true;
      return false;
    }
    if (Clock::now() - start > o.timeout) {
      deadline = true;
      return false;
    }
    body.append(data, n);
    return !cancelled();
  };

  httplib::Result res(nullptr, httplib::Error::Unknown);
  {
    FetchRegistration reg(o.cancel, client.get());
    if (cancelled()) return Status::Unavailable(where + "cancelled: gatehouse is stopping");
    res = client->Get(u.target, headers, on_response, on_data);
  }
  if (cancelled()) return Status::Unavailable(where + "cancelled: gatehouse is stopping");
  if (too_large) {
    return Status::Unavailable(where + "response body is larger than " +
                               std::to_string(o.max_body_bytes) + " bytes");
  }
  if (deadline) {
    return Status::Unavailable(where + "response not complete within " +
                               std::to_string(o.timeout.count()) + " ms");
  }
  if (status >= 300 && status < 400) {
    return Status::Unavailable(where + "HTTP " + std::to_string(status) + " redirect to \"" +
                               shown(location) + "\" is not followed; configure the final URL");
  }
  if (status != 0 && status != 200) {
    return Status::Unavailable(where + "HTTP " + std::to_string(status) +
                               (reason.empty() ? "" : " " + shown(reason, 80)));
  }
  if (!res) {
    return Status::Unavailable(where + describe(res.error(), u, *client, o, Clock::now() - start));
  }
  return body;
}

}  // namespace

Result<std::string> http_get(const std::string& url, const FetchOptions& options) {
  auto parsed = parse_http_url(url);
  if (!parsed.ok()) return parsed.status();
  if (Status s = check_fetchable_url(url); !s.ok()) return s;
  std::string where = "GET " + shown(url) + ": ";
  try {
    return get(*parsed, options, where);
  } catch (const std::exception& e) {  // httplib may throw (bad_alloc, regex); keep it here
    return Status::Unavailable(where + "HTTP client failed: " + shown(e.what()));
  }
}

}  // namespace gh::identity
