// The exchange half of ClientConnection: routing, the upstream request, and relaying the
// response (see client_connection.h).
#include "base/log.h"
#include "base/strings.h"
#include "http/forwarded.h"
#include "http/hop_by_hop.h"
#include "http/serializer.h"
#include "http/status.h"
#include "http/url.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"

namespace pier::proxy {
namespace {

constexpr std::size_t kHighWater = 512 * 1024;
constexpr std::size_t kLowWater = 128 * 1024;

bool isInterim(int status) {
  return status >= 100 && status < 200 && status != 101;
}

bool responseHasNoBody(int status, bool head_request) {
  return head_request || isInterim(status) || status == 204 || status == 304;
}

std::string hostHeaderValue(const http::RequestHead& head) {
  const std::string* host = head.headers.get("Host");
  return host != nullptr ? *host : std::string();
}

// spec A.7 http.encodedCharacters: a disallowed encoding anywhere in the raw path is a 400.
bool encodedCharactersAllowed(std::string_view target, const EncodedCharacterPolicy& policy) {
  if (policy.allowsAll()) {
    return true;
  }
  std::string_view path = target.substr(0, target.find('?'));
  for (std::size_t i = 0; i + 2 < path.size(); ++i) {
    if (path[i] != '%') {
      continue;
    }
    char hi = path[i + 1];
    char lo = base::asciiUpper(path[i + 2]);
    bool ok = true;
    if (hi == '2' && lo == 'F')
      ok = policy.slash;
    if (hi == '5' && lo == 'C')
      ok = policy.back_slash;
    if (hi == '0' && lo == '0')
      ok = policy.null_character;
    if (hi == '3' && lo == 'B')
      ok = policy.semicolon;
    if (hi == '2' && lo == '5')
      ok = policy.percent;
    if (hi == '3' && lo == 'F')
      ok = policy.question_mark;
    if (hi == '2' && lo == '3')
      ok = policy.hash;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// spec A.7 http.underscoreHeadersStrategy; returns false when the request must be rejected.
bool applyUnderscorePolicy(http::HeaderMap& headers, UnderscoreHeaders policy) {
  if (policy == UnderscoreHeaders::Keep) {
    return true;
  }
  auto& fields = headers.fields();
  bool any = false;
  for (const auto& f : fields) {
    any = any || f.name.find('_') != std::string::npos;
  }
  if (!any) {
    return true;
  }
  if (policy == UnderscoreHeaders::Reject) {
    return false;
  }
  std::erase_if(fields,
                [](const http::HeaderField& f) { return f.name.find('_') != std::string::npos; });
  return true;
}

}  // namespace

bool ClientConnection::routeAndDispatch(http::RequestHead& head, const http::BodyInfo& body) {
  if (head.method == "CONNECT") {
    answerLocally(renderLocalReply(LocalReply::NotImplemented, true, false), true);
    return false;
  }
  if (!applyUnderscorePolicy(head.headers, ep_.underscore_headers) ||
      !encodedCharactersAllowed(head.target, ep_.encoded)) {
    answerLocally(renderLocalReply(LocalReply::BadRequest, true, ex_.head_request), true);
    return false;
  }
  auto target = http::normalizeTarget(head.target, ep_.sanitize_path, ep_.encode_query_semicolons);
  if (!target) {
    answerLocally(renderLocalReply(LocalReply::BadRequest, true, ex_.head_request), true);
    return false;
  }
  http::ConnectionFacts facts{peer_, tls_terminated_, ctx_.process().hostname};
  http::applyForwardedHeaders(head.headers, ep_.forwarded, facts);

  ex_.snapshot = ctx_.snapshot();
  const runtime::EntryPointRoutes* routes =
      ex_.snapshot ? ex_.snapshot->entryPoint(ep_.index) : nullptr;
  std::string host = http::canonicalHost(hostHeaderValue(head));
  http::RequestView view;
  view.method = head.method;
  view.host = host;
  view.path = target->routing_path;
  view.query = target->query;
  view.headers = &head.headers;
  view.client_ip = peer_;
  // A TLS connection is routed only by TLS routers, plain HTTP only by the others (spec C.4).
  const routing::HttpRoute* route = nullptr;
  if (routes != nullptr) {
    route = tls_terminated_ ? routes->https.match(view) : routes->http.match(view);
  }
  if (route == nullptr) {
    answerLocally(renderLocalReply(LocalReply::NotFound, false, ex_.head_request), false);
    return false;
  }
  const runtime::RouterSpec& router = ex_.snapshot->routers[route->target];
  if (tls_terminated_ && router.tls_options != tls_options_) {
    // spec F.4: the handshake used other TLS options than this router requires (domain
    // fronting, or a connection reused across hosts).
    answerLocally(renderSimple(421, "text/plain; charset=utf-8", "Misdirected Request\n", {}, false,
                               ex_.head_request),
                  false);
    return false;
  }
  const runtime::ServiceSpec& service = ex_.snapshot->services[router.service];
  ex_.obs.route(router, service, ex_.snapshot->generation);
  if (router.from_default_rule) {
    // spec G.3: a request that already went through this router is a loop.
    const std::string* seen = head.headers.get("X-Traefik-Router");
    if (seen != nullptr && *seen == router.loop_guard_value) {
      answerLocally(renderSimple(400, {}, {}, {}, false, false), false);
      return false;
    }
    head.headers.set("X-Traefik-Router", router.loop_guard_value);
  }
  // Rebuild the target from the normalized parts: that is what routing saw.
  head.target = target->path;
  if (!target->query.empty()) {
    head.target += '?';
    head.target += target->query;
  }
  if (router.chain && !runRequestMiddlewares(*router.chain, head, body, service)) {
    return false;  // answered, or asynchronous (continues in client_async.cc)
  }
  dispatchToService(service, head, body);
  return true;
}

void ClientConnection::dispatchToService(const runtime::ServiceSpec& service,
                                         http::RequestHead& head, const http::BodyInfo& body) {
  if (!runtime::forwardsToBackends(service.kind)) {
    answerInternal(service, head);
    return;
  }
  auto index = static_cast<std::uint32_t>(&service - ex_.snapshot->services.data());
  if (!resolveBackend(index, head, body)) {  // sets ex_.service, ex_.server
    return;
  }
  if (ex_.buffers.request.enabled && deferUntilBodyBuffered(head, body)) {
    return;  // buffering middleware: forwarded once the body is complete
  }
  startForwarding(head, body);
}

void ClientConnection::answerInternal(const runtime::ServiceSpec& service,
                                      const http::RequestHead& head) {
  switch (service.kind) {
    case runtime::ServiceKind::Ping: {
      ProcessState& process = ctx_.process();
      if (process.draining.load(std::memory_order_relaxed)) {
        int code = process.terminating_status;
        std::string text(http::reasonPhrase(code));
        answerLocally(
            renderSimple(code, "text/plain; charset=utf-8", text, {}, false, ex_.head_request),
            false);
      } else {
        answerLocally(
            renderSimple(200, "text/plain; charset=utf-8", "OK", {}, false, ex_.head_request),
            false);
      }
      return;
    }
    case runtime::ServiceKind::Redirect: {
      // spec A.7/E.16: scheme://host[:port]/path?query, 301/308 when permanent else 302/307.
      const runtime::RedirectSpec& r = service.redirect;
      std::string host = hostHeaderValue(head);
      if (auto colon = host.rfind(':');
          colon != std::string::npos && host.find(']', colon) == std::string::npos) {
        host.resize(colon);
      }
      std::string location = r.scheme + "://" + host;
      if (!r.port.empty()) {
        location += ':' + r.port;
      }
      location += head.target;
      bool get_like = head.method == "GET" || head.method == "HEAD";
      int code = r.permanent ? (get_like ? 301 : 308) : (get_like ? 302 : 307);
      std::string body = code == 301 || code == 302 ? std::string(http::reasonPhrase(code)) : "";
      answerLocally(renderSimple(code, body.empty() ? "" : "text/plain; charset=utf-8", body,
                                 "Location: " + location + "\r\n", false, ex_.head_request),
                    false);
      return;
    }
    case runtime::ServiceKind::Noop:
      answerLocally(renderLocalReply(LocalReply::Teapot, false, ex_.head_request), false);
      return;
    case runtime::ServiceKind::Live:
    case runtime::ServiceKind::Ready:
    case runtime::ServiceKind::Prometheus:
    case runtime::ServiceKind::Api:
      answerOps(service, head);
      return;
    case runtime::ServiceKind::LoadBalancer:
    case runtime::ServiceKind::Weighted:
    case runtime::ServiceKind::Mirroring:
    case runtime::ServiceKind::Failover:
      break;
  }
  answerLocally(renderLocalReply(LocalReply::InternalError, false, ex_.head_request), false);
}

void ClientConnection::startForwarding(http::RequestHead& head, const http::BodyInfo& body) {
  // ex_.service and ex_.server were chosen by resolveBackend (client_services.cc).
  if (ex_.server < 0) {
    answerLocally(renderLocalReply(LocalReply::NoAvailableServer, false, ex_.head_request),
                  body.expect_continue);
    return;
  }
  const runtime::ServerSpec& server = ex_.service->servers[static_cast<std::size_t>(ex_.server)];
  if (body.expect_continue) {
    // We ask for the body ourselves, and do not make the backend repeat the question.
    head.headers.remove("Expect");
    if (head.version_minor >= 1) {
      send("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }
  http::removeHopByHop(head.headers, ex_.upgrade);
  if (ex_.upgrade) {
    http::canonicalizeWebSocketHeaders(head.headers);  // spec G.4: some servers need this case
  }
  if (!ex_.chain_run.omitForwardedFor()) {
    http::appendXForwardedFor(head.headers, ep_.forwarded, peer_);
  }
  if (body.kind == http::BodyKind::Chunked) {
    head.headers.add("Transfer-Encoding", "chunked");
  }
  armRetry(head);  // retry middleware: keeps the head for another server (client_retry.cc)
  ex_.upstream_head = upstreamRequestHead(head, ex_.service->pass_host_header, server);
  // Body bytes that arrived while an asynchronous middleware held the request wait behind it.
  ex_.pending_upstream.insert(0, ex_.upstream_head);
  openUpstream();
}

void ClientConnection::openUpstream() {
  const runtime::ServerSpec& server = ex_.service->servers[static_cast<std::size_t>(ex_.server)];
  const runtime::TransportSpec& transport = ex_.service->transport;
  ex_.obs.sendTo(server);
  // A pooled connection is reusable only under the same TLS settings (spec D.4).
  bool tls = server.https && transport.tls != nullptr;
  std::string key =
      tls ? "https://" + server.host + ':' + std::to_string(server.port) + '#' + transport.name
          : server.host + ':' + std::to_string(server.port);
  UpstreamConnection* idle = ctx_.takeIdle(key);
  if (idle != nullptr) {
    ex_.upstream = idle;
    idle->attach(*this);
    onUpstreamConnected();
    return;
  }
  ex_.upstream = UpstreamConnection::connect(
      ctx_, std::move(key), server.host, server.port, transport.dial_timeout, *this,
      tls ? transport.tls.get() : nullptr,
      tls ? transport.tls->settings().server_name : std::string());
}

void ClientConnection::onUpstreamConnected() {
  UpstreamConnection* up = ex_.upstream;
  if (up == nullptr) {
    return;
  }
  if (phase_ == Phase::TcpConnecting) {
    onTcpUpstreamConnected();
    return;
  }
  if (ex_.head_request) {
    up->expectNoBody();
  }
  const runtime::TransportSpec& transport = ex_.service->transport;
  if (transport.response_header_timeout.count() > 0) {
    up->setResponseHeaderDeadline(Clock::now() + transport.response_header_timeout);
  }
  std::string bytes;
  bytes.swap(ex_.pending_upstream);
  up->sendBytes(std::move(bytes));
  if (backpressure_ && up->pendingWriteBytes() < kLowWater) {
    backpressure_ = false;
    updateReading();
  }
}

void ClientConnection::sendUpstream(std::string&& bytes) {
  UpstreamConnection* up = ex_.upstream;
  ex_.retry.keepBody(bytes);  // retry middleware: a copy to send again (no-op without one)
  bool ready = up != nullptr && ex_.pending_upstream.empty() && !up->isClosing();
  std::size_t queued;
  if (ready) {
    up->sendBytes(std::move(bytes));
    queued = up->pendingWriteBytes();
  } else {
    ex_.pending_upstream += bytes;
    queued = ex_.pending_upstream.size();
  }
  if (queued > kHighWater) {
    backpressure_ = true;
    updateReading();
  }
}

void ClientConnection::onUpstreamWritable() {
  if (backpressure_ && ex_.upstream != nullptr && ex_.upstream->pendingWriteBytes() < kLowWater) {
    backpressure_ = false;
    updateReading();
  }
}

void ClientConnection::onUpstreamResponseHead(http::ResponseHead&& head,
                                              const http::BodyInfo& body) {
  if (isInterim(head.status)) {
    // 1xx other than 101 (e.g. 103 Early Hints): relay to HTTP/1.1 clients, then wait.
    std::string out;
    http::appendResponseHead(out, head.status, head.reason, 1, head.headers);
    send(std::move(out));
    return;
  }
  ex_.obs.status = head.status;
  if (head.status != 101 && interceptResponse(head.status)) {
    return;  // a middleware replaces this response (errors; client_async.cc)
  }
  bool upgrade = head.status == 101 && ex_.upgrade;
  http::removeHopByHop(head.headers, upgrade);
  if (upgrade) {
    http::canonicalizeWebSocketHeaders(head.headers);
  }
  if (!upgrade && !responseHasNoBody(head.status, ex_.head_request)) {
    if (body.kind == http::BodyKind::Chunked || body.kind == http::BodyKind::UntilClose) {
      if (close_after_) {
        ex_.chunk_response = false;  // close-delimited: the end of the connection ends the body
      } else {
        ex_.chunk_response = true;
        head.headers.add("Transfer-Encoding", "chunked");
      }
    }
  }
  for (const std::string& cookie : ex_.sticky_cookies) {
    head.headers.add("Set-Cookie", cookie);  // sticky sessions (spec D.2)
  }
  // Middlewares' response hooks, last first; compress/buffering return a body filter, which may
  // hold the head back until it has seen enough body (client_body_filter.cc).
  auto filter = ex_.chain_run.runResponse(head);
  if (filter != nullptr && !upgrade && !responseHasNoBody(head.status, ex_.head_request) &&
      startBodyFilter(std::move(filter), head)) {
    return;
  }
  if (close_after_ && !upgrade) {
    head.headers.set("Connection", "close");
  }
  std::string out;
  http::appendResponseHead(out, head.status, head.reason, 1, head.headers);
  ex_.response_head_sent = true;
  send(std::move(out));
  if (upgrade) {
    phase_ = Phase::Tunnel;
    deadline_ = Clock::time_point{};  // spec G.4: tunnels are not cut by read/write timeouts
    ex_.upstream->enterTunnel();
    parser_paused_ = false;
    if (!stash_.empty()) {
      std::string early;
      early.swap(stash_);
      ex_.upstream->sendBytes(std::move(early));
    }
    updateReading();
  }
}

void ClientConnection::onUpstreamBody(std::string_view data) {
  if (data.empty()) {
    return;
  }
  std::string filtered;
  if (ex_.buffers.filter != nullptr) {  // compress/buffering (client_body_filter.cc)
    if (!filterResponseBody(data, filtered)) {
      return;
    }
    data = filtered;
  }
  ex_.obs.response_bytes += data.size();
  if (ex_.chunk_response) {
    std::string chunk;
    http::appendChunk(chunk, data);
    send(std::move(chunk));
  } else {
    send(std::string(data));
  }
  if (pendingWriteBytes() > kHighWater && ex_.upstream != nullptr && !upstream_paused_) {
    upstream_paused_ = true;
    ex_.upstream->pauseReading();
  }
}

void ClientConnection::onUpstreamComplete() {
  if (ex_.buffers.filter != nullptr && !finishResponseBody()) {
    return;  // the filter rejected the response: a 500 went out instead
  }
  if (ex_.chunk_response) {
    std::string last;
    http::appendLastChunk(last);
    send(std::move(last));
  }
  ex_.response_complete = true;
  bool reusable = ex_.request_complete;
  releaseUpstream(reusable);
  if (!ex_.request_complete) {
    // The backend answered before the request body ended: we cannot know where the next
    // request starts, so this connection ends with the response.
    close_after_ = true;
    if (pendingWriteBytes() == 0) {
      close();
    } else {
      stopReading();
      shutdownWrite();
      phase_ = Phase::WaitingHead;
    }
    return;
  }
  finishExchange();
}

void ClientConnection::releaseUpstream(bool reusable) {
  UpstreamConnection* up = ex_.upstream;
  ex_.upstream = nullptr;
  upstream_paused_ = false;
  if (up != nullptr) {
    if (reusable) {
      up->release(true);
    } else {
      up->detachAndClose();
    }
  }
}

void ClientConnection::onUpstreamTunnelData(std::string_view data) {
  send(std::string(data));
  if (pendingWriteBytes() > kHighWater && ex_.upstream != nullptr && !upstream_paused_) {
    upstream_paused_ = true;
    ex_.upstream->pauseReading();
  }
}

void ClientConnection::onUpstreamTunnelEof() {
  upstream_eof_ = true;
  shutdownWrite();
  if (client_eof_) {
    closeBoth();
  }
}

void ClientConnection::onUpstreamFailure(UpstreamFailure failure, bool any_response_byte) {
  UpstreamConnection* failed = ex_.upstream;
  ex_.upstream = nullptr;
  (void)failed;  // already closing itself
  if (phase_ == Phase::Tunnel || phase_ == Phase::TcpConnecting) {
    closeBoth();  // a TCP client learns of a dead server by the connection closing
    return;
  }
  if (ex_.response_head_sent || any_response_byte) {
    close();  // mid-response: the client must see a broken response, not a wrong one
    return;
  }
  // A pooled connection the backend had closed: retry once if nothing of the body is lost.
  // The retry middleware's kept copy of the body makes a streamed body re-sendable too.
  bool body_at_hand = !ex_.body_streamed || (ex_.retry.armed() && !ex_.retry.body_lost);
  bool stale_reuse = failure == UpstreamFailure::ClosedEarly && failed != nullptr &&
                     failed->reused() && !ex_.retried && body_at_hand;
  if (stale_reuse && ex_.service != nullptr) {
    ex_.retried = true;
    ex_.pending_upstream = ex_.upstream_head + ex_.retry.body;
    openUpstream();
    return;
  }
  if (retryAfterFailure(failure)) {
    return;  // retry middleware: the next attempt is under way (client_retry.cc)
  }
  switch (failure) {
    case UpstreamFailure::ConnectTimeout:
    case UpstreamFailure::HeaderTimeout:
      failExchange(LocalReply::GatewayTimeout);
      return;
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ClosedEarly:
    case UpstreamFailure::BadResponse:
      failExchange(LocalReply::BadGateway);
      return;
  }
}

void ClientConnection::failExchange(LocalReply reply) {
  // The request body may still be arriving; it is drained and dropped (ex_.local).
  bool close_after = !ex_.request_complete && ex_.request_body != http::BodyKind::None;
  answerLocally(renderLocalReply(reply, close_after || close_after_, ex_.head_request),
                close_after);
}

}  // namespace pier::proxy
