#include "tls/wolfssl.h"

#include <mutex>

// clang-format off
#include <wolfssl/wolfcrypt/ecc.h>
// clang-format on

namespace pier::tls {

void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { wolfSSL_Init(); });
}

void releaseThreadCaches() {
#if defined(HAVE_ECC) && defined(FP_ECC)
  wc_ecc_fp_free();
#endif
}

std::string errorString(int code) {
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf, sizeof buf);
  return buf;
}

}  // namespace pier::tls
