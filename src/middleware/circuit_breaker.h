// The `circuitBreaker` middleware kind (spec E.6). See circuit_breaker.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeCircuitBreaker(const BuildContext& b);

}  // namespace pier::middleware
