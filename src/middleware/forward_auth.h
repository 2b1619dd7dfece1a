// The `forwardAuth` middleware kind (spec E.3): asks an authentication server about each request
// and lets it through on 2xx, otherwise answers with the server's response. See forward_auth.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "base/result.h"
#include "http/message.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeForwardAuth(const BuildContext& b);

// Pure pieces, exposed for tests.
struct HttpUrl {
  bool https = false;
  std::string host;  // without brackets
  std::uint16_t port = 80;
  std::string authority;        // as written (host[:port]), for Host
  std::string target = "/";     // path?query, "/" when empty
  std::string scheme_and_host;  // "https://host:port", to make relative Locations absolute
};
// http:// or https:// URLs only; the error says what is wrong.
Result<HttpUrl> parseHttpUrl(std::string_view url);

// The headers sent to the authentication server, as Traefik builds them. `trust` unset is
// Traefik's legacy default (see docs/configuration.md).
http::HeaderMap authRequestHeaders(const http::RequestHead& request, const base::IpAddress& peer,
                                   bool tls, std::optional<bool> trust,
                                   const std::vector<std::string>& allowed);

// A Location relative to the auth URL made absolute (Go's Response.Location()).
std::string absoluteLocation(const HttpUrl& base, std::string_view location);

}  // namespace pier::middleware
