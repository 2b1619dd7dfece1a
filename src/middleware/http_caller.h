// The seam through which a middleware makes an outgoing HTTP request (forwardAuth's auth call,
// the errors middleware's error page, later mirroring). The middleware layer only describes the
// request; the proxy carries it out with its upstream machinery (proxy/subrequest.h) on the
// worker thread that runs the exchange.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/header_map.h"

namespace pier::tls {
class ClientContext;
}

namespace pier::middleware {

struct OutgoingRequest {
  std::string host;  // IP literal or name to dial
  std::uint16_t port = 80;
  bool https = false;
  // https only: the context to use (its settings give SNI and verification); null = plain.
  std::shared_ptr<const tls::ClientContext> tls;
  std::string method = "GET";
  std::string target = "/";  // origin-form path?query
  http::HeaderMap headers;   // sent as they are; Host is added from `authority` when absent
  std::string authority;     // host[:port] for the Host header
  std::string body;          // sent with Content-Length when non-empty
  std::size_t max_response_body = static_cast<std::size_t>(-1);
  std::chrono::milliseconds timeout{30000};  // dial, and until the response head
};

struct IncomingResponse {
  bool ok = false;  // false: no response (unreachable, timeout, broken answer)
  bool body_too_large = false;
  int status = 0;
  http::HeaderMap headers;
  std::string body;
};

using HttpDone = std::function<void(IncomingResponse&&)>;
// Starts the request. Returns false when it could not even start (`done` is then never called);
// otherwise `done` is called exactly once, later, on the same thread, unless the exchange ends
// first (the client went away): then the request is cancelled and `done` is dropped uncalled.
using HttpCaller = std::function<bool(OutgoingRequest&&, HttpDone)>;

}  // namespace pier::middleware
