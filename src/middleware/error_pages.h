// The `errors` middleware kind (spec E.6): backend responses whose status is in `status` get
// their body from another service. See error_pages.cc.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeErrors(const BuildContext& b);

// Pure pieces, exposed for tests.
// "500-599", "404" (inclusive ranges; a single code is a range of one), as Traefik's
// HTTPCodeRanges; the error names the bad entry.
using StatusRanges = std::vector<std::pair<int, int>>;
Result<StatusRanges> parseStatusRanges(const std::vector<std::string>& items);
bool inRanges(const StatusRanges& ranges, int status);
// The error page's path?query: `query` with a leading '/', {status}, {originalStatus} and {url}
// (query-escaped) replaced.
std::string errorPageTarget(std::string_view query, int status, int original_status,
                            std::string_view original_url);
// Go's url.QueryEscape.
std::string queryEscape(std::string_view s);

}  // namespace pier::middleware
