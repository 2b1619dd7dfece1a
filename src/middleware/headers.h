// The `headers` middleware kind (spec E). See headers.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeHeaders(const BuildContext& b);

}  // namespace pier::middleware
