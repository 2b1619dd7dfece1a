// The TCP `inFlightConn` kind: at most `amount` open connections per client IP through the
// routers that use it. See tcp_in_flight_conn.cc.
#pragma once

#include "middleware/tcp_middleware.h"

namespace pier::middleware {

Result<TcpMiddlewarePtr> makeTcpInFlightConn(const BuildContext& b);

}  // namespace pier::middleware
