// The `replacePathRegex` middleware kind (spec E). See replace_path_regex.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeReplacePathRegex(const BuildContext& b);

}  // namespace pier::middleware
