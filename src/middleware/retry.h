// The `retry` middleware kind (spec E.6). It does nothing per request itself: it hands the proxy
// a RetryPolicy (Middleware::retryPolicy, Chain::retryPolicy) and the proxy re-sends the request
// to the next server of the balancer when an attempt failed before any response byte reached the
// client (proxy/exchange_retry.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

struct RetryPolicy {
  int attempts = 1;  // total tries, the first one included
  std::chrono::nanoseconds initial_interval{0};
  // Request bodies up to this size are kept in memory so they can be sent again; a larger body
  // that already went upstream makes its request not retryable.
  std::uint64_t max_request_body_bytes = 2 * 1024 * 1024;

  // The wait before retry number `retry` (1 = the first retry): initialInterval growing
  // exponentially so that the last wait is 2 x initialInterval (Traefik's progression, without
  // its random jitter). Zero when initialInterval is 0.
  std::chrono::nanoseconds backoff(int retry) const;
};

// Safe to re-send after the request may have reached the backend (RFC 9110 9.2.2).
bool isIdempotentMethod(std::string_view method);

Result<MiddlewarePtr> makeRetry(const BuildContext& b);

}  // namespace pier::middleware
