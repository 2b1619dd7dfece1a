// One exchange's state for the `retry` middleware (middleware/retry.h): the request as it left
// the middleware chain (to serialize it again for another server), the request body while it is
// small enough to send again, and the back-off timer. Empty (policy == nullptr) for requests
// whose router has no retry middleware; those pay nothing.
//
// Pier retries an attempt that failed before any byte of the response reached the client, up to
// `attempts` tries in all, each on the balancer's next server:
//  * the connection could not be made (refused, unreachable, dial timeout): always, since the
//    backend saw nothing;
//  * the connection broke before a response head (reset, early close): only for idempotent
//    methods, since the backend may have acted on the request.
// Timeouts waiting for the response head and malformed responses are not retried. A request
// whose body outgrew maxRequestBodyBytes after some of it went upstream is not retried.
// The transparent re-send of a request on a stale pooled connection (client_exchange.cc) comes
// first and is not counted as a retry.
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"
#include "middleware/retry.h"
#include "proxy/retry_timer.h"
#include "proxy/upstream_connection.h"
#include "runtime/snapshot.h"

namespace pier::proxy {

struct ExchangeRetry {
  const middleware::RetryPolicy* policy = nullptr;  // in the exchange's pinned snapshot
  int attempt = 1;                                  // the try under way, 1 = the first
  http::RequestHead head;  // as sent upstream before the server's Host and base path
  std::string body;        // request body bytes as sent upstream (chunk framing included)
  bool body_lost = false;  // the body outgrew the limit: it cannot be sent again
  RetryTimerPtr timer;     // pending back-off wait

  bool armed() const { return policy != nullptr; }
  // Keeps a copy of request body bytes that go upstream, while within the limit.
  void keepBody(std::string_view bytes) {
    if (policy == nullptr || body_lost) {
      return;
    }
    if (body.size() + bytes.size() > policy->max_request_body_bytes) {
      body_lost = true;
      std::string().swap(body);
      return;
    }
    body.append(bytes);
  }
  // Whether an attempt that failed this way may be tried again: attempts left, a method and
  // failure that allow it, and the request body still at hand.
  bool mayRetry(UpstreamFailure failure, bool body_streamed) const;
};

// The request head for one server: sets Host to the server's authority unless the service
// passes the client's Host, and prefixes the server's base path (spec D.1).
std::string upstreamRequestHead(http::RequestHead& head, bool pass_host_header,
                                const runtime::ServerSpec& server);

}  // namespace pier::proxy
