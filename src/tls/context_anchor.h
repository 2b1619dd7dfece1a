// A wolfSSL context outlives its ServerTls while sessions made from it are open (wolfSSL_new
// takes a reference), but the context's callbacks point into memory the ServerTls owns (ALPN
// list, ticket scope). A session therefore takes shared ownership of that memory when created.
#pragma once

#include <memory>

#include "tls/wolfssl.h"

namespace pier::tls {

struct ContextAnchor : std::enable_shared_from_this<ContextAnchor> {
  virtual ~ContextAnchor() = default;
};

// Records `anchor` (owned by a shared_ptr) as the owner of what `ctx`'s callbacks use.
void setAnchor(WOLFSSL_CTX* ctx, ContextAnchor* anchor);
// Shared ownership of the anchor, or null. Only valid while the anchor is alive, i.e. while the
// ServerTls that returned `ctx` from select() is.
std::shared_ptr<const ContextAnchor> anchorOf(WOLFSSL_CTX* ctx);

}  // namespace pier::tls
