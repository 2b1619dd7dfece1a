// Responses Pier produces itself (spec G.5), with the bodies and headers Traefik users see.
#pragma once

#include <string>
#include <string_view>

namespace pier::proxy {

enum class LocalReply : std::uint8_t {
  NotFound,           // 404 "404 page not found\n"
  NoAvailableServer,  // 503 "no available server\n"
  BadGateway,         // 502 "Bad Gateway"
  GatewayTimeout,     // 504 "Gateway Timeout"
  BadRequest,         // 400 "400 Bad Request"
  HeadersTooLarge,    // 431
  NotImplemented,     // 501 (CONNECT)
  Teapot,             // 418 noop@internal
  InternalError,      // 500
};

// Serializes a complete response. `close` adds `Connection: close`; `head_only` omits the body.
std::string renderLocalReply(LocalReply kind, bool close, bool head_only);
// A plain response with an arbitrary status and body (ping, redirects).
std::string renderSimple(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers, bool close, bool head_only);

}  // namespace pier::proxy
