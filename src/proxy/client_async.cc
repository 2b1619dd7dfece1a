// Asynchronous middlewares (forwardAuth) and response interception (errors): the parts of
// ClientConnection that wait for an outgoing call (see client_connection.h, suspended_request.h).
//
// Safety: the one outgoing call of an exchange is owned by Exchange::pending_call; resetting the
// exchange or destroying the connection cancels it, so a completion never runs against a
// finished exchange. A completion arriving while the connection closes is dropped.
#include "base/log.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"
#include "tls/session.h"

namespace pier::proxy {

void ClientConnection::runSuspendableChain(const middleware::Chain& chain, http::RequestHead& head,
                                           const http::BodyInfo& body,
                                           const runtime::ServiceSpec& service) {
  ex_.suspended = std::make_unique<SuspendedRequest>(std::move(head), body, service);
  middleware::RequestContext& ctx = ex_.suspended->ctx;
  ctx.peer = peer_;
  ctx.tls = tls_terminated_;
  if (tls_terminated_) {
    ctx.peer_certificates_pem = [this] {
      tls::Session* session = tlsSession();
      return session != nullptr ? session->peerCertificatesPem() : std::vector<std::string>();
    };
  }
  ctx.http = [this](middleware::OutgoingRequest&& request, middleware::HttpDone done) {
    return startCall(std::move(request),
                     [this, done = std::move(done)](middleware::IncomingResponse&& response) {
                       SuspendedRequest& s = *ex_.suspended;
                       s.delivering = true;
                       done(std::move(response));  // the middleware decides and calls ctx.resume
                       s.delivering = false;
                       if (s.resumed) {
                         middleware::Verdict outcome = *s.resumed;
                         s.resumed.reset();
                         resumeChain(outcome);
                       }
                     });
  };
  ctx.resume = [this](middleware::Verdict outcome) {
    SuspendedRequest& s = *ex_.suspended;
    if (s.delivering) {
      s.resumed = outcome;  // run once the completion has returned
    } else {
      resumeChain(outcome);
    }
  };
  afterChain(ex_.chain_run.runRequest(chain, ctx));
}

void ClientConnection::resumeChain(middleware::Verdict outcome) {
  if (isClosing() || ex_.suspended == nullptr) {
    return;
  }
  afterChain(ex_.chain_run.resume(ex_.suspended->ctx, outcome));
}

void ClientConnection::afterChain(middleware::Verdict verdict) {
  SuspendedRequest& s = *ex_.suspended;
  switch (verdict) {
    case middleware::Verdict::Suspend:
      if (!ex_.pending_call.pending()) {
        // Suspended without a call in flight: nothing would ever resume it.
        log::warn("a middleware suspended the request without an outgoing call");
        answerLocally(renderLocalReply(LocalReply::InternalError, false, ex_.head_request), false);
      }
      return;
    case middleware::Verdict::Answer:
      dropBufferedBody();  // the rest of the body is read and dropped (ex_.local)
      sendMiddlewareAnswer(s.ctx.answer, false);
      return;
    case middleware::Verdict::Continue:
      ex_.buffers.request = s.ctx.buffer_request;  // buffering middleware (client_body_filter.cc)
      dispatchToService(*s.service, s.head, s.body);
      return;
  }
}

bool ClientConnection::startCall(middleware::OutgoingRequest&& request, middleware::HttpDone done) {
  if (ex_.pending_call.pending()) {
    return false;  // one outgoing call per exchange at a time
  }
  SubRequest* call =
      SubRequest::start(ctx_, std::move(request),
                        [this, done = std::move(done)](middleware::IncomingResponse&& response) {
                          ex_.pending_call.forget();  // it finished (and freed itself)
                          if (isClosing()) {
                            return;
                          }
                          done(std::move(response));
                        });
  if (call == nullptr) {
    return false;
  }
  ex_.pending_call = SubRequestHandle(call);
  return true;
}

bool ClientConnection::callService(const std::string& name, middleware::OutgoingRequest&& request,
                                   middleware::HttpDone done) {
  if (!ex_.snapshot) {
    return false;
  }
  const auto& services = ex_.snapshot->services;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const runtime::ServiceSpec& service = services[i];
    if (service.name != name) {
      continue;
    }
    if (service.kind != runtime::ServiceKind::LoadBalancer) {
      return false;
    }
    int pick = ctx_.balancer(i).pick(service);
    if (pick < 0) {
      return false;
    }
    const runtime::ServerSpec& server = service.servers[static_cast<std::size_t>(pick)];
    request.host = server.host;
    request.port = server.port;
    request.https = server.https && service.transport.tls != nullptr;
    request.tls = request.https ? service.transport.tls : nullptr;
    request.authority = server.authority;
    if (!service.pass_host_header) {
      request.headers.set("Host", server.authority);
    }
    request.timeout = service.transport.dial_timeout;
    return startCall(std::move(request), std::move(done));
  }
  return false;
}

bool ClientConnection::interceptResponse(int status) {
  const middleware::Middleware* m = ex_.chain_run.interceptorFor(status);
  if (m == nullptr) {
    return false;
  }
  // The backend's response is not wanted: drop its connection rather than drain the body.
  releaseUpstream(false);
  dropBufferedBody();
  middleware::ReplaceContext rc;
  rc.request_headers = &ex_.chain_run.requestHeaders();
  rc.target = ex_.chain_run.target();
  rc.tls = ex_.chain_run.tls();
  rc.call_service = [this](const std::string& service, middleware::OutgoingRequest&& request,
                           middleware::HttpDone done) {
    return callService(service, std::move(request), std::move(done));
  };
  middleware::LocalAnswer now;
  bool later = m->replaceResponse(
      rc, status, [this](middleware::LocalAnswer&& answer) { sendReplacement(std::move(answer)); },
      now);
  if (!later) {
    sendReplacement(std::move(now));
  }
  return true;
}

void ClientConnection::sendReplacement(middleware::LocalAnswer&& answer) {
  http::ResponseHead head;
  head.status = answer.status;
  head.headers = std::move(answer.headers);
  ex_.chain_run.runResponse(head);
  answer.headers = std::move(head.headers);
  // A request body still arriving went nowhere: this connection ends with the response.
  bool close_after = !ex_.request_complete;
  sendMiddlewareAnswer(answer, close_after);
  if (close_after && !isClosing()) {
    if (pendingWriteBytes() == 0) {
      close();
    } else {
      stopReading();
      shutdownWrite();
      phase_ = Phase::WaitingHead;  // onWriteDone closes once the answer is out
    }
  }
}

void ClientConnection::dropBufferedBody() {
  ex_.pending_upstream.clear();
  if (backpressure_) {
    backpressure_ = false;
    updateReading();
  }
}

}  // namespace pier::proxy
