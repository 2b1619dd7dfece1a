// The `buffering` middleware kind (spec E.6): whole request bodies read before forwarding (413
// over maxRequestBodyBytes) and whole responses held before they are sent (500 over
// maxResponseBodyBytes). See buffering.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeBuffering(const BuildContext& b);

}  // namespace pier::middleware
