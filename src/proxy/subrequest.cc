#include "proxy/subrequest.h"

#include "http/serializer.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"

namespace pier::proxy {

SubRequest* SubRequest::start(WorkerContext& ctx, middleware::OutgoingRequest&& request,
                              middleware::HttpDone done) {
  auto* self = new SubRequest(std::move(done), request.max_response_body);
  self->timeout_ = request.timeout;
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
  const tls::ClientContext* tls = request.https ? request.tls.get() : nullptr;
  // A key of its own: these connections are never pooled (closed after one exchange).
  std::string key = "subrequest:" + request.host + ':' + std::to_string(request.port);
  UpstreamConnection* up =
      UpstreamConnection::connect(ctx, std::move(key), request.host, request.port, request.timeout,
                                  *self, tls, tls != nullptr ? tls->settings().server_name : "");
  self->starting_ = false;
  if (self->failed_starting_) {
    delete self;  // the connection reported its failure inline and is closing itself
    return nullptr;
  }
  self->upstream_ = up;
  if (request.method == "HEAD") {
    up->expectNoBody();
  }
  return self;
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
  if (timeout_.count() > 0) {
    upstream_->setResponseHeaderDeadline(UpstreamConnection::Clock::now() + timeout_);
  }
  upstream_->sendBytes(std::move(request_bytes_));
}

void SubRequest::onUpstreamResponseHead(http::ResponseHead&& head, const http::BodyInfo&) {
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
  if (response_.body.size() + data.size() > max_body_) {
    response_.body_too_large = true;
    response_.body.clear();
    finish(true);
    return;
  }
  response_.body.append(data);
}

void SubRequest::onUpstreamComplete() {
  finish(head_seen_);
}

void SubRequest::onUpstreamFailure(UpstreamFailure, bool) {
  upstream_ = nullptr;  // it is closing itself
  if (starting_) {
    failed_starting_ = true;
    return;
  }
  finish(false);
}

}  // namespace pier::proxy
