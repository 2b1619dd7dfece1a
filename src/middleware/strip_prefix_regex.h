// The `stripPrefixRegex` middleware kind (spec E). See strip_prefix_regex.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeStripPrefixRegex(const BuildContext& b);

}  // namespace pier::middleware
