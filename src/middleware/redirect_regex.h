// The `redirectRegex` middleware kind (spec E). See redirect_regex.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeRedirectRegex(const BuildContext& b);

}  // namespace pier::middleware
