// The `contentType` middleware kind (spec E). See content_type.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeContentType(const BuildContext& b);

}  // namespace pier::middleware
