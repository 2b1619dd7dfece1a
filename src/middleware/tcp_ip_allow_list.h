// The TCP `ipAllowList` kind (and its deprecated name ipWhiteList): connections from addresses
// outside sourceRange are closed. See tcp_ip_allow_list.cc.
#pragma once

#include "middleware/tcp_middleware.h"

namespace pier::middleware {

Result<TcpMiddlewarePtr> makeTcpIpAllowList(const BuildContext& b);

}  // namespace pier::middleware
