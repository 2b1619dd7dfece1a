// The retry half of ClientConnection: arms the `retry` middleware's policy when a request is
// forwarded, and after a failed attempt waits (back-off) and sends the request again to the
// balancer's next server (see exchange_retry.h for what is retried).
#include "base/log.h"
#include "http/serializer.h"
#include "proxy/client_connection.h"
#include "proxy/exchange_retry.h"
#include "proxy/worker_context.h"

namespace pier::proxy {

bool ExchangeRetry::mayRetry(UpstreamFailure failure, bool body_streamed) const {
  if (policy == nullptr || attempt >= policy->attempts) {
    return false;
  }
  switch (failure) {
    case UpstreamFailure::ConnectFailed:
    case UpstreamFailure::ConnectTimeout:
      return true;  // nothing reached the backend; the unsent bytes are all still queued
    case UpstreamFailure::ClosedEarly:
      return middleware::isIdempotentMethod(head.method) && !(body_streamed && body_lost);
    case UpstreamFailure::HeaderTimeout:
    case UpstreamFailure::BadResponse:
      return false;
  }
  return false;
}

std::string upstreamRequestHead(http::RequestHead& head, bool pass_host_header,
                                const runtime::ServerSpec& server) {
  if (!pass_host_header) {
    head.headers.set("Host", server.authority);
  }
  std::string target = head.target;
  if (!server.base_path.empty()) {
    target =
        server.base_path +
        (target.starts_with('/') && server.base_path.ends_with('/') ? target.substr(1) : target);
  }
  std::string out;
  http::appendRequestHead(out, head.method, target, head.headers);
  return out;
}

void ClientConnection::armRetry(const http::RequestHead& head) {
  const runtime::RouterSpec* router = ex_.obs.router;
  if (router == nullptr || !router->chain || router->chain->retryPolicy() == nullptr ||
      router->chain->retryPolicy()->attempts < 2) {
    return;
  }
  ex_.retry.policy = router->chain->retryPolicy();
  ex_.retry.head = head;
}

bool ClientConnection::retryAfterFailure(UpstreamFailure failure) {
  ExchangeRetry& r = ex_.retry;
  if (!r.mayRetry(failure, ex_.body_streamed) || ex_.service == nullptr) {
    return false;
  }
  bool connect_failure =
      failure == UpstreamFailure::ConnectFailed || failure == UpstreamFailure::ConnectTimeout;
  std::string body;
  if (connect_failure && ex_.pending_upstream.starts_with(ex_.upstream_head)) {
    body = ex_.pending_upstream.substr(ex_.upstream_head.size());  // never sent
  } else if (ex_.body_streamed && r.body_lost) {
    return false;
  } else {
    body = r.body;
  }
  int server = ctx_.balancer(static_cast<std::size_t>(ex_.service - ex_.snapshot->services.data()))
                   .pick(*ex_.service);
  if (server < 0) {
    return false;
  }
  ++r.attempt;
  ++ex_.obs.retries;  // traefik_service_retries_total and the access log's RetryAttempts
  ex_.server = server;
  ex_.retried = false;  // the new attempt may re-send once on a stale pooled connection too
  http::RequestHead head = r.head;
  ex_.upstream_head = upstreamRequestHead(head, ex_.service->pass_host_header,
                                          ex_.service->servers[static_cast<std::size_t>(server)]);
  ex_.pending_upstream = ex_.upstream_head + body;
  std::chrono::nanoseconds wait = r.policy->backoff(r.attempt - 1);
  if (wait.count() <= 0) {
    openUpstream();
    return true;
  }
  r.timer.reset(RetryTimer::start(ctx_.loop(), wait, [this] { onRetryTimer(); }));
  return true;
}

void ClientConnection::onRetryTimer() {
  ex_.retry.timer.reset();
  if (isClosing() || ex_.service == nullptr || ex_.upstream != nullptr) {
    return;  // the client went away while we waited
  }
  openUpstream();
}

}  // namespace pier::proxy
