// TLS termination for ClientConnection: HTTPS and TLS-terminated TCP routes (spec C.5, F.4).
#include "base/log.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

namespace pier::proxy {

void ClientConnection::startHttps(const runtime::SnapshotConstSharedPtr&, std::string_view,
                                  const std::string&) {
  close();  // TLS termination lands with the tls module
}

void ClientConnection::startTcpTls(const runtime::SnapshotConstSharedPtr&, std::uint32_t) {
  close();
}

}  // namespace pier::proxy
