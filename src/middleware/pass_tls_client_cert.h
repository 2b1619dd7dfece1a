// The `passTLSClientCert` middleware kind (spec E.6, F.6). See pass_tls_client_cert.cc.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makePassTlsClientCert(const BuildContext& b);

}  // namespace pier::middleware
