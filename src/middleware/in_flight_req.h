// The `inFlightReq` middleware kind (spec E). See in_flight_req.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeInFlightReq(const BuildContext& b);

}  // namespace pier::middleware
