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

// wolfSSL's text for an error code (negative numbers from wolfSSL_get_error and wolfCrypt).
std::string errorString(int code);

struct CtxFree {
  void operator()(WOLFSSL_CTX* ctx) const { wolfSSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<WOLFSSL_CTX, CtxFree>;

}  // namespace pier::tls
