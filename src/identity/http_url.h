#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace gh::identity {

// An absolute http(s) URL as gatehouse fetches it. Parsing is strict: anything unusual (user
// info, a fragment, spaces or control characters, an empty or out-of-range port, a malformed
// IP literal) is refused rather than guessed at, since the URL names where keys come from.
struct HttpUrl {
  static constexpr size_t kMaxLength = 2048;

  bool https = false;
  std::string host;  // lower case; an IPv6 literal without its brackets
  uint16_t port = 0;
  std::string target;  // path and query, starting with '/'

  // "host:port", with brackets around an IPv6 literal.
  std::string authority() const;
};

Result<HttpUrl> parse_http_url(std::string_view url);

// 127.0.0.0/8, ::1 or "localhost": the only hosts gatehouse talks plain http to (a test or
// sidecar identity provider on this machine).
bool is_loopback_host(std::string_view host);

// Invalid unless `url` parses and is https, or http to a loopback host.
Status check_fetchable_url(std::string_view url);

}  // namespace gh::identity
