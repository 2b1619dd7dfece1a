// The `addPrefix` middleware kind (spec E). See add_prefix.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeAddPrefix(const BuildContext& b);

}  // namespace pier::middleware
