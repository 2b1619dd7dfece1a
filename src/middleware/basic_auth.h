// The `basicAuth` middleware kind (spec E). See basic_auth.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeBasicAuth(const BuildContext& b);

}  // namespace pier::middleware
