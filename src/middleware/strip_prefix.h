// The `stripPrefix` middleware kind (spec E). See strip_prefix.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeStripPrefix(const BuildContext& b);

}  // namespace pier::middleware
