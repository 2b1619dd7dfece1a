// The `replacePath` middleware kind (spec E). See replace_path.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeReplacePath(const BuildContext& b);

}  // namespace pier::middleware
