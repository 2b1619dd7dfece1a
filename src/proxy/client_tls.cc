// TLS termination for ClientConnection: HTTPS and TLS-terminated TCP routes (spec C.5, F.4,
// F.5). The classifier picked the TLS options from the SNI before any session exists, so the
// certificate and options are chosen here by selecting a context, not in a servername callback.
#include "base/log.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"
#include "tls/server_tls.h"
#include "tls/session.h"

namespace pier::proxy {

bool ClientConnection::beginTls(const runtime::SnapshotConstSharedPtr& snapshot,
                                std::string_view sni, const std::string& options) {
  const tls::ServerTls* server_tls = snapshot ? snapshot->server_tls.get() : nullptr;
  WOLFSSL_CTX* ctx = server_tls != nullptr ? server_tls->select(sni, options) : nullptr;
  if (ctx == nullptr) {
    // sniStrict without a matching certificate, or options that failed to build: refuse
    // rather than fall back to weaker settings (spec F.4).
    log::debug("entry point " + ep_.name + ": no TLS context for SNI \"" + std::string(sni) +
               "\" with options " + options + "; connection from " + peer_.toString() + " closed");
    close();
    return false;
  }
  std::unique_ptr<tls::Session> session = tls::Session::accept(ctx);
  if (!session) {
    close();
    return false;
  }
  tls_options_ = options;
  tls_terminated_ = true;
  std::string hello;
  hello.swap(stash_);
  startTls(std::move(session), hello);
  return !isClosing();
}

void ClientConnection::startHttps(const runtime::SnapshotConstSharedPtr& snapshot,
                                  std::string_view sni, const std::string& options) {
  // The handshake and the first request share the readTimeout armed at accept.
  phase_ = Phase::WaitingHead;
  beginTls(snapshot, sni, options);
}

void ClientConnection::startTcpTls(const runtime::SnapshotConstSharedPtr& snapshot,
                                   std::uint32_t router) {
  phase_ = Phase::TcpTlsHandshake;
  ex_ = Exchange{};
  ex_.snapshot = snapshot;  // pinned until the route connects
  tcp_router_ = router;
  const runtime::TcpRouterSpec& spec = snapshot->tcp_routers[router];
  beginTls(snapshot, tls_sni_, spec.tls_options);
}

void ClientConnection::onTlsHandshakeDone() {
  if (phase_ == Phase::TcpTlsHandshake) {
    runtime::SnapshotConstSharedPtr snapshot = std::move(ex_.snapshot);
    startTcpRoute(snapshot, tcp_router_);
  }
}

void ClientConnection::onTlsError(const std::string& why) {
  log::debug("entry point " + ep_.name + ": TLS with " + peer_.toString() + " failed: " + why);
  closeBoth();
}

}  // namespace pier::proxy
