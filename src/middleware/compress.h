// The `compress` middleware kind (spec E.6): gzip, brotli or zstd response bodies, negotiated
// with Accept-Encoding. See compress.cc; the codecs are in compress_codec.h and the decisions
// (negotiation, content types) in compress_negotiation.h.
#pragma once

#include "base/result.h"
#include "middleware/middleware.h"
#include "middleware/options.h"

namespace pier::middleware {

Result<MiddlewarePtr> makeCompress(const BuildContext& b);

}  // namespace pier::middleware
