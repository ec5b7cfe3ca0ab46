#include "identity/http_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace gh::identity {
namespace {

// URLs reach logs and login errors; a URL from a discovery document is not trusted text.
std::string shown(std::string_view url) {
  constexpr size_t kMax = 200;
  std::string out;
  for (char c : url.substr(0, kMax)) out.push_back(c > 0x20 && c < 0x7f ? c : '?');
  if (url.size() > kMax) out += "...";
  return out;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// RFC 3986 path/query characters (unreserved, sub-delims, ':', '@', '/', '?', '%').
bool is_target_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("-._~!$&'()*+,;=:@/?%").find(c) != std::string_view::npos;
}

Status bad(std::string_view url, std::string_view why) {
  return Status::Invalid("URL \"" + shown(url) + "\" " + std::string(why));
}

}  // namespace

std::string HttpUrl::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  if (url.size() > HttpUrl::kMaxLength) {
    return bad(url, "is longer than " + std::to_string(HttpUrl::kMaxLength) + " characters");
  }
  HttpUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.https = true;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return bad(url, "is not an http:// or https:// URL");
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return bad(url, "carries user info; credentials in URLs are not supported");
  }

  std::string_view host, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad(url, "has an unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return bad(url, "has junk after its IPv6 literal");
    if (!after.empty()) port = after.substr(1);
    in6_addr a6;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) {
      return bad(url, "has an invalid IPv6 literal");
    }
    if (port.empty() && !after.empty()) return bad(url, "has an empty port");
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad(url, "has an empty port");
    }
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      return bad(url, "has an invalid host name");
    }
  }
  if (host.empty()) return bad(url, "has no host");
  out.host.reserve(host.size());
  for (char c : host) {
    out.host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }

  out.port = out.https ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad(url, "has an invalid port");
    }
    int p = 0;
    for (char c : port) p = p * 10 + (c - '0');
    if (p < 1 || p > 65535) return bad(url, "has a port outside 1-65535");
    out.port = static_cast<uint16_t>(p);
  }

  if (target.find('#') != std::string_view::npos) return bad(url, "has a fragment");
  if (!std::all_of(target.begin(), target.end(), is_target_char)) {
    return bad(url, "has characters that must be percent-encoded");
  }
  out.target = target.empty() || target[0] != '/' ? "/" + std::string(target) : std::string(target);
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  std::string h(host);
  in_addr a4;
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6;
  return inet_pton(AF_INET6, h.c_str(), &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

Status check_fetchable_url(std::string_view url) {
  auto u = parse_http_url(url);
  if (!u.ok()) return u.status();
  if (!u->https && !is_loopback_host(u->host)) {
    return Status::Invalid("refusing plain http to " + shown(url) +
                           ": http is allowed only to a loopback host (127.0.0.1, ::1, "
                           "localhost); use https");
  }
  return Status::Ok();
}

}  // namespace gh::identity
