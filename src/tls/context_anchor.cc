#include "tls/context_anchor.h"

namespace pier::tls {
namespace {

int anchorIndex() {
  static const int index = wolfSSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

void setAnchor(WOLFSSL_CTX* ctx, ContextAnchor* anchor) {
  wolfSSL_CTX_set_ex_data(ctx, anchorIndex(), anchor);
}

std::shared_ptr<const ContextAnchor> anchorOf(WOLFSSL_CTX* ctx) {
  auto* anchor = static_cast<ContextAnchor*>(wolfSSL_CTX_get_ex_data(ctx, anchorIndex()));
  return anchor != nullptr ? anchor->shared_from_this() : nullptr;
}

}  // namespace pier::tls
