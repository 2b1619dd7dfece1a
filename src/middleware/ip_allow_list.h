// The `ipAllowList` middleware kind (spec E). See ip_allow_list.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeIpAllowList(const BuildContext& b);
// The deprecated alias: same options except rejectStatusCode.
Result<MiddlewarePtr> makeIpWhiteList(const BuildContext& b);

}  // namespace pier::middleware
