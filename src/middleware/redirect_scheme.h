// The `redirectScheme` middleware kind (spec E). See redirect_scheme.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeRedirectScheme(const BuildContext& b);

}  // namespace pier::middleware
