#include "proxy/subrequest.h"

#include "base/log.h"
#include "http/serializer.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"

namespace pier::proxy {
namespace {

thread_local std::size_t t_detached = 0;  // per worker thread: each worker owns its requests

}  // namespace

SubRequest::SubRequest(middleware::HttpDone done, std::size_t max_body, bool detached)
    : done_(std::move(done)), max_body_(max_body), detached_(detached) {
  if (detached_) {
    ++t_detached;
  }
}

SubRequest::~SubRequest() {
  if (detached_) {
    --t_detached;
  }
}

std::size_t SubRequest::detachedInFlight() {
  return t_detached;
}

SubRequest* SubRequest::start(WorkerContext& ctx, middleware::OutgoingRequest&& request,
                              middleware::HttpDone done) {
  auto* self = new SubRequest(std::move(done), request.max_response_body, false);
  self->timeout_ = request.timeout;
  self->head_request_ = request.method == "HEAD";
  http::HeaderMap& h = request.headers;
  if (!h.has("Host")) {
    h.set("Host", request.authority.empty() ? request.host : request.authority);
  }
  h.remove("Content-Length");
  h.remove("Transfer-Encoding");
  if (!request.body.empty()) {
    h.set("Content-Length", std::to_string(request.body.size()));
  }
  http::appendRequestHead(self->request_bytes_, request.method, request.target, h);
  self->request_bytes_ += request.body;
  // A key of its own: these connections are never pooled (closed after one exchange).
  std::string key = "subrequest:" + request.host + ':' + std::to_string(request.port);
  return self->open(ctx, request, std::move(key)) ? self : nullptr;
}

bool SubRequest::startDetached(WorkerContext& ctx, middleware::OutgoingRequest&& request,
                               Detached options) {
  if (t_detached >= kMaxDetached) {
    return false;
  }
  auto* self = new SubRequest({}, 0, true);
  self->timeout_ = options.header_timeout;
  self->head_request_ = request.method == "HEAD";
  self->what_ = std::move(options.what);
  http::appendRequestHead(self->request_bytes_, request.method, request.target, request.headers);
  self->request_bytes_ += request.body;
  return self->open(ctx, request, std::move(options.pool_key));
}

bool SubRequest::open(WorkerContext& ctx, const middleware::OutgoingRequest& request,
                      std::string key) {
  if (detached_) {
    if (UpstreamConnection* idle = ctx.takeIdle(key); idle != nullptr) {
      starting_ = false;
      upstream_ = idle;
      idle->attach(*this);
      onUpstreamConnected();  // may end (and delete) this request
      return true;
    }
  }
  if (request.https) {
    tls_ = request.tls;
  }
  const tls::ClientContext* tls = tls_.get();
  UpstreamConnection* up =
      UpstreamConnection::connect(ctx, std::move(key), request.host, request.port, request.timeout,
                                  *this, tls, tls != nullptr ? tls->settings().server_name : "");
  starting_ = false;
  if (failed_starting_) {
    delete this;  // the connection reported its failure inline and is closing itself
    return false;
  }
  upstream_ = up;
  return true;
}

void SubRequest::cancel() {
  UpstreamConnection* up = upstream_;
  upstream_ = nullptr;
  if (up != nullptr) {
    up->detachAndClose();
  }
  delete this;
}

void SubRequest::finish(bool ok) {
  UpstreamConnection* up = upstream_;
  upstream_ = nullptr;
  if (up != nullptr) {
    up->detachAndClose();
  }
  response_.ok = ok;
  middleware::HttpDone done = std::move(done_);
  middleware::IncomingResponse response = std::move(response_);
  delete this;
  done(std::move(response));
}

void SubRequest::onUpstreamConnected() {
  if (upstream_ == nullptr) {
    return;
  }
  if (head_request_) {
    upstream_->expectNoBody();
  }
  if (timeout_.count() > 0) {
    upstream_->setResponseHeaderDeadline(UpstreamConnection::Clock::now() + timeout_);
  }
  upstream_->sendBytes(std::move(request_bytes_));
}

void SubRequest::onUpstreamResponseHead(http::ResponseHead&& head, const http::BodyInfo&) {
  if (detached_) {
    return;  // nobody reads the answer
  }
  if (head.status >= 100 && head.status < 200 && head.status != 101) {
    return;  // interim; the real answer follows
  }
  head_seen_ = true;
  response_.status = head.status;
  response_.headers = std::move(head.headers);
  if (head.status == 101) {
    finish(true);  // nothing to read after a switch of protocols
  }
}

void SubRequest::onUpstreamBody(std::string_view data) {
  if (detached_) {
    return;  // read (so the connection can be reused) and dropped
  }
  if (response_.body.size() + data.size() > max_body_) {
    response_.body_too_large = true;
    response_.body.clear();
    finish(true);
    return;
  }
  response_.body.append(data);
}

void SubRequest::onUpstreamComplete() {
  if (!detached_) {
    finish(head_seen_);
    return;
  }
  UpstreamConnection* up = upstream_;
  upstream_ = nullptr;
  if (up != nullptr) {
    // Reusable only once the whole request went out (a server may answer before reading it).
    up->release(up->pendingWriteBytes() == 0);
  }
  delete this;
}

void SubRequest::onUpstreamFailure(UpstreamFailure, bool) {
  upstream_ = nullptr;  // it is closing itself
  if (starting_) {
    failed_starting_ = true;
    return;
  }
  if (detached_) {
    log::debug(what_ + " failed");
    delete this;
    return;
  }
  finish(false);
}

}  // namespace pier::proxy
