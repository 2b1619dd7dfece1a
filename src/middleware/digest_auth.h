// The `digestAuth` middleware kind (spec E.3). See digest_auth.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeDigestAuth(const BuildContext& b);

// For tests: the lower-case hex MD5 of `s`.
std::string md5Hex(std::string_view s);

}  // namespace pier::middleware
