// Single entry point to wolfSSL: its configuration header must come before any other wolfSSL
// header, and the library must be initialised once per process before the first context.
#pragma once

// clang-format off
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
// clang-format on

#include <memory>
#include <string>

namespace pier::tls {

// wolfSSL_Init exactly once per process; thread-safe and idempotent.
void initOnce();

// wolfCrypt keeps caches per thread (the ECC fixed-point tables of FP_ECC builds, as Debian's):
// a thread that did handshakes calls this just before it ends, or its tables (about 1.6 MB for
// two curves) are lost with it, which LeakSanitizer reports.
void releaseThreadCaches();

// wolfSSL's text for an error code (negative numbers from wolfSSL_get_error and wolfCrypt).
std::string errorString(int code);

struct CtxFree {
  void operator()(WOLFSSL_CTX* ctx) const { wolfSSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<WOLFSSL_CTX, CtxFree>;

}  // namespace pier::tls
