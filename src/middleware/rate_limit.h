// The `rateLimit` middleware kind (spec E). See rate_limit.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeRateLimit(const BuildContext& b);

}  // namespace pier::middleware
