// Small path and answer helpers shared by the path-rewriting and access kinds.
#pragma once

#include <string>
#include <string_view>

#include "middleware/middleware.h"

namespace pier::middleware {

// "" stays "", "x" becomes "/x".
std::string ensureLeadingSlash(std::string_view s);
// Go's url.JoinPath() on a path alone: path.Clean (dot segments, repeated slashes) keeping a
// trailing slash. Traefik refuses (400) a rewritten path this would change (>= v3.7.3).
std::string joinPathClean(std::string_view path);
// Go's url.PathUnescape; false on a bad %-escape.
bool pathUnescape(std::string_view in, std::string& out);
// Go's http.Error: text body + "\n", text/plain and nosniff.
Verdict answerText(RequestContext& ctx, int status, std::string_view text);

}  // namespace pier::middleware
