#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "common/status.h"
#include "identity/jwks.h"

namespace gh::identity {

// Lets another thread abort blocking http_get calls (the authenticator's stop()). Once
// cancelled, the running fetch is interrupted and every later one fails at once.
class FetchCancel {
 public:
  void cancel();
  bool cancelled() const;

 private:
  friend class FetchRegistration;
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> abort_current_;  // set while a fetch is running
};

struct FetchOptions {
  // Bounds connecting and each wait for data; the body is also cut off once the whole
  // request has taken this long.
  std::chrono::milliseconds timeout{5000};
  std::string ca_file;  // https trust anchors (PEM); empty: the system's default paths
  size_t max_body_bytes = Jwks::kMaxDocumentBytes;
  FetchCancel* cancel = nullptr;  // optional
};

// GET `url` and return the body of a 200 response. https verifies the certificate chain and
// the host name; plain http is refused unless the host is loopback. Redirects are not
// followed (an identity provider's endpoints are configured or discovered as final URLs, and
// following them could leave https). Errors are Status::Invalid for a URL gatehouse will not
// fetch and Status::Unavailable for everything on the wire (connect, timeout, TLS, HTTP
// status, too large); messages start with "GET <url>: ".
Result<std::string> http_get(const std::string& url, const FetchOptions& options);

}  // namespace gh::identity
