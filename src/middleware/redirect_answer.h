// The answer both redirect kinds give (Traefik's moveHandler): 302/307, or 301/308 when
// permanent (the 3xx-7/8 forms for every method but GET), Location, body = status text.
#pragma once

#include <string_view>

#include "middleware/middleware.h"

namespace pier::middleware {

Verdict answerRedirect(RequestContext& ctx, std::string_view location, bool permanent,
                       int forced_status);

// host[:port] split the way Go's net.SplitHostPort does for Host headers; port keeps its ':'.
void splitHostPort(std::string_view authority, std::string_view& host, std::string_view& port);

}  // namespace pier::middleware
