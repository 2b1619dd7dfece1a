// The first bytes of a connection decide what it is (spec C.5): plain HTTP, HTTPS to
// terminate, a TCP route (plain, TLS terminated, or TLS passed through untouched). Then TCP
// routes become byte tunnels to a server of their TCP service.
#include "base/log.h"
#include "net/client_hello.h"
#include "net/proxy_protocol.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"

namespace pier::proxy {
namespace {

constexpr std::uint8_t kTlsHandshakeRecord = 0x16;

}  // namespace

void ClientConnection::startClassifying() {
  const runtime::SnapshotConstSharedPtr& snapshot = ctx_.snapshot();
  const runtime::EntryPointRoutes* routes = snapshot ? snapshot->entryPoint(ep_.index) : nullptr;
  expect_proxy_header_ = ep_.proxy_protocol && (ep_.proxy_protocol_insecure ||
                                                ep_.proxy_protocol_trusted.contains(peer_));
  // Step 1, server-first protocols (SMTP, MySQL): with only non-TLS TCP routes, a matching
  // route gets the connection before the client says anything.
  if (!expect_proxy_header_ && routes != nullptr && !routes->tcp.routes().empty() &&
      routes->tcp_tls.routes().empty() && routes->https.routes().empty()) {
    routing::TcpRequestView view;
    view.client_ip = peer_;
    if (const routing::TcpRoute* route = routes->tcp.match(view)) {
      startTcpRoute(snapshot, route->target);
      return;
    }
  }
  phase_ = Phase::Classify;
  armWaitingDeadline(true);
  if (!startReading()) {
    close();
  }
}

// A trusted peer (a load balancer in front) starts with a PROXY header naming the real client;
// from then on that client is the peer for forwarded headers, ClientIP rules and logs.
bool ClientConnection::consumeProxyHeader() {
  net::ProxyHeader header = net::parseProxyHeader(stash_);
  switch (header.status) {
    case net::ProxyHeaderStatus::NeedMore:
      return false;
    case net::ProxyHeaderStatus::Malformed:
      log::debug("entry point " + ep_.name + ": malformed PROXY header from " + peer_.toString() +
                 "; connection closed");
      close();
      return false;
    case net::ProxyHeaderStatus::NotProxy:
      break;  // a trusted peer may also connect directly
    case net::ProxyHeaderStatus::Ok:
      stash_.erase(0, header.consumed);
      if (auto ip = base::IpAddress::parse(header.source_ip)) {
        peer_ = *ip;
      }
      break;
  }
  expect_proxy_header_ = false;
  return !stash_.empty();
}

void ClientConnection::classify() {
  if (expect_proxy_header_ && !consumeProxyHeader()) {
    return;
  }
  runtime::SnapshotConstSharedPtr snapshot = ctx_.snapshot();
  const runtime::EntryPointRoutes* routes = snapshot ? snapshot->entryPoint(ep_.index) : nullptr;
  if (static_cast<std::uint8_t>(stash_[0]) != kTlsHandshakeRecord) {
    // Step 3: not TLS. Non-TLS TCP routes first (only HostSNI(`*`) and ClientIP can match),
    // then HTTP.
    if (routes != nullptr && !routes->tcp.routes().empty()) {
      routing::TcpRequestView view;
      view.client_ip = peer_;
      if (const routing::TcpRoute* route = routes->tcp.match(view)) {
        startTcpRoute(snapshot, route->target);
        return;
      }
    }
    serveHttp();
    return;
  }
  net::HelloPeek peek = net::peekClientHello(stash_);
  if (peek.status == net::HelloStatus::NeedMore) {
    return;  // bounded by the parser's size limit and by readTimeout
  }
  if (peek.status != net::HelloStatus::Tls) {
    log::debug("entry point " + ep_.name + ": malformed TLS ClientHello from " + peer_.toString() +
               "; connection closed");
    close();
    return;
  }
  tls_sni_ = peek.info.sni;
  routing::TcpRequestView view;
  view.sni = peek.info.sni;
  view.alpn = &peek.info.alpn;
  view.client_ip = peer_;
  // Step 4b: an HTTPS router names this host.
  if (routes != nullptr && routes->httpsClaims(peek.info.sni)) {
    startHttps(snapshot, peek.info.sni, routes->https_options.lookup(peek.info.sni));
    return;
  }
  const routing::TcpRoute* tcp = routes != nullptr ? routes->tcp_tls.match(view) : nullptr;
  // Step 4c: a specific TLS TCP route.
  if (tcp != nullptr && !tcp->rule.isCatchAll()) {
    startTcpRoute(snapshot, tcp->target);
    return;
  }
  // Step 4d: an HTTPS router without a Host domain.
  if (routes != nullptr && routes->https_catch_all) {
    startHttps(snapshot, peek.info.sni, "default");
    return;
  }
  // Step 4e: the TLS TCP catch-all.
  if (tcp != nullptr) {
    startTcpRoute(snapshot, tcp->target);
    return;
  }
  // Step 4f: every entry point answers TLS with the default certificate, then 404.
  startHttps(snapshot, peek.info.sni, "default");
}

void ClientConnection::serveHttp() {
  phase_ = Phase::WaitingHead;
  std::string first;
  first.swap(stash_);
  received_any_ = true;
  if (ep_.read_timeout.count() > 0) {
    deadline_ = Clock::now() + ep_.read_timeout;
  }
  feed(first);
}

void ClientConnection::startTcpRoute(const runtime::SnapshotConstSharedPtr& snapshot,
                                     std::uint32_t router_index) {
  const runtime::TcpRouterSpec& router = snapshot->tcp_routers[router_index];
  // TCP middlewares decide before any handshake or dial; a route that terminates TLS comes back
  // here once the handshake is done (tls_terminated_), already admitted.
  if (!tls_terminated_ && !router.middlewares.empty()) {
    std::string refused_by;
    if (!middleware::admitTcpConnection(router.middlewares, peer_, tcp_slots_, refused_by)) {
      log::debug("TCP router " + router.name + ": middleware " + refused_by + " refused " +
                 peer_.toString() + "; connection closed");
      close();
      return;
    }
  }
  if (router.tls == runtime::TcpTlsMode::Terminate && !tls_terminated_) {
    startTcpTls(snapshot, router_index);
    return;
  }
  const runtime::TcpServiceSpec& service = snapshot->tcp_services[router.service];
  int server = ctx_.tcpBalancer(router.service).pick(service);
  if (server < 0) {
    log::debug("TCP router " + router.name + ": service " + service.name +
               " has no server; connection closed");
    close();
    return;
  }
  const runtime::TcpServerSpec& target = service.servers[static_cast<std::size_t>(server)];
  phase_ = Phase::TcpConnecting;
  deadline_ = Clock::time_point{};  // spec C.5 step 5: the read deadline ends with the decision
  tcp_proxy_protocol_ = service.proxy_protocol_version;
  stopReading();  // until the server answers; bytes so far wait in stash_
  ex_ = Exchange{};
  ex_.snapshot = snapshot;  // owns the TLS context the connect uses; dropped once connected
  bool tls = target.tls && service.tls != nullptr;
  ex_.upstream = UpstreamConnection::connect(
      ctx_, std::string(), target.host, target.port, service.dial_timeout, *this,
      tls ? service.tls.get() : nullptr, tls ? service.tls->settings().server_name : std::string());
}

void ClientConnection::onTcpUpstreamConnected() {
  UpstreamConnection* up = ex_.upstream;
  phase_ = Phase::Tunnel;
  ex_.snapshot.reset();  // a tunnel holds nothing of the generation (reloads never touch it)
  up->enterTunnel();
  if (tcp_proxy_protocol_ != 0) {
    sockaddr_storage peer{};
    sockaddr_storage local{};
    int peer_len = sizeof peer;
    int local_len = sizeof local;
    uv_tcp_getpeername(tcp(), reinterpret_cast<sockaddr*>(&peer), &peer_len);
    uv_tcp_getsockname(tcp(), reinterpret_cast<sockaddr*>(&local), &local_len);
    up->sendBytes(net::proxyProtocolHeader(tcp_proxy_protocol_, reinterpret_cast<sockaddr*>(&peer),
                                           reinterpret_cast<sockaddr*>(&local)));
  }
  if (!stash_.empty()) {
    std::string first;
    first.swap(stash_);
    up->sendBytes(std::move(first));
  }
  if (client_eof_) {
    up->halfClose();
  }
  updateReading();
}

}  // namespace pier::proxy
