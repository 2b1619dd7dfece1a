// The body half of ClientConnection's middleware support (see client_connection.h):
// - response-body filters (middleware::BodyFilter, made by compress and buffering): the head may
//   be held back while the filter decides, a transformed body goes out chunked (or delimited by
//   the close when the connection ends with this response), and a rejected response becomes a
//   500 if nothing was sent yet;
// - request buffering (buffering middleware): the whole request body is read before the upstream
//   request starts, then sent with a Content-Length; past the limit the client gets 413.
#include "http/serializer.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

namespace pier::proxy {

using State = middleware::BodyFilter::State;

bool ClientConnection::startBodyFilter(std::unique_ptr<middleware::BodyFilter> filter,
                                       http::ResponseHead& head) {
  switch (filter->start(head)) {
    case State::Pass:
      return false;
    case State::Transform:
      useTransformedFraming(head);
      ex_.buffers.filter = std::move(filter);
      return false;
    case State::Holding:
      ex_.buffers.filter = std::move(filter);
      ex_.buffers.held_head = std::move(head);
      return true;
    case State::Reject:
      rejectFilteredResponse();
      return true;
  }
  return false;
}

// The body's length changes: no Content-Length; chunked unless the close delimits it anyway.
void ClientConnection::useTransformedFraming(http::ResponseHead& head) {
  head.headers.remove("Content-Length");
  if (!ex_.chunk_response && !close_after_) {
    ex_.chunk_response = true;
    head.headers.add("Transfer-Encoding", "chunked");
  }
}

void ClientConnection::releaseHeldHead(State state) {
  http::ResponseHead& head = *ex_.buffers.held_head;
  if (state == State::Transform) {
    useTransformedFraming(head);
  }
  if (close_after_) {
    head.headers.set("Connection", "close");
  }
  std::string out;
  http::appendResponseHead(out, head.status, head.reason, 1, head.headers);
  ex_.buffers.held_head.reset();
  ex_.response_head_sent = true;
  send(std::move(out));
}

bool ClientConnection::filterResponseBody(std::string_view data, std::string& out) {
  ExchangeBuffers& b = ex_.buffers;
  bool held = b.held_head.has_value();
  http::ResponseHead sent;  // stands in for the head once it is gone; edits are ignored
  State state = b.filter->write(data, held ? *b.held_head : sent, out);
  if (state == State::Reject) {
    rejectFilteredResponse();
    return false;
  }
  if (held && state != State::Holding) {
    releaseHeldHead(state);
  }
  if (state == State::Pass) {
    b.filter.reset();  // the rest of the body goes through untouched
  }
  return !out.empty();
}

bool ClientConnection::finishResponseBody() {
  ExchangeBuffers& b = ex_.buffers;
  bool held = b.held_head.has_value();
  http::ResponseHead sent;
  std::string out;
  State state = b.filter->finish(held ? *b.held_head : sent, out);
  b.filter.reset();
  if (state == State::Reject) {
    rejectFilteredResponse();
    return false;
  }
  if (held) {
    releaseHeldHead(state);
  }
  if (!out.empty()) {
    ex_.obs.response_bytes += out.size();
    if (ex_.chunk_response) {
      std::string chunk;
      http::appendChunk(chunk, out);
      send(std::move(chunk));
    } else {
      send(std::move(out));
    }
  }
  return true;
}

void ClientConnection::rejectFilteredResponse() {
  ex_.buffers.filter.reset();
  ex_.buffers.held_head.reset();
  if (ex_.response_head_sent) {
    closeBoth();  // part of the response is out: the client must see it broken
    return;
  }
  releaseUpstream(false);  // the rest of the backend's answer is not wanted
  failExchange(LocalReply::InternalError);
}

bool ClientConnection::deferUntilBodyBuffered(http::RequestHead& head, const http::BodyInfo& body) {
  if (body.kind == http::BodyKind::None || ex_.upgrade) {
    return false;  // nothing to wait for
  }
  std::int64_t max = ex_.buffers.request.max_bytes;
  if (max > 0 && body.kind == http::BodyKind::ContentLength &&
      body.content_length > static_cast<std::uint64_t>(max)) {
    answerRequestTooLarge();  // known from the head: no need to read the body first
    return true;
  }
  if (body.expect_continue) {
    // The client waits for this before it sends the body we are about to read.
    head.headers.remove("Expect");
    if (head.version_minor >= 1) {
      send("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }
  ex_.buffers.request_info = body;
  ex_.buffers.request_info.expect_continue = false;
  ex_.buffers.request_head = std::move(head);
  return true;
}

void ClientConnection::bufferRequestBody(std::string_view data) {
  ExchangeBuffers& b = ex_.buffers;
  ex_.obs.request_bytes += data.size();
  std::int64_t max = b.request.max_bytes;
  if (max > 0 && b.request_body.size() + data.size() > static_cast<std::uint64_t>(max)) {
    b.request_head.reset();
    std::string().swap(b.request_body);
    answerRequestTooLarge();
    return;
  }
  b.request_body.append(data);
}

void ClientConnection::forwardBufferedRequest() {
  ExchangeBuffers& b = ex_.buffers;
  http::RequestHead head = std::move(*b.request_head);
  b.request_head.reset();
  std::string body;
  body.swap(b.request_body);
  // The body goes out in one piece with its real length, whatever framing the client used.
  head.headers.remove("Transfer-Encoding");
  head.headers.set("Content-Length", std::to_string(body.size()));
  http::BodyInfo info = b.request_info;
  info.kind = http::BodyKind::ContentLength;
  info.content_length = body.size();
  // Runs inside the parser callback (feed()), so an answer given here (no server available)
  // leaves ex_ in place until feed() unwinds.
  startForwarding(head, info);
  if (ex_.local || body.empty()) {
    return;
  }
  // The whole request is known: a stale pooled connection can be retried with the body too.
  ex_.upstream_head += body;
  sendUpstream(std::move(body));
}

void ClientConnection::answerRequestTooLarge() {
  // Traefik (oxy's buffer): 413 with the status text as a plain-text body.
  bool close_after = !ex_.request_complete;  // the rest of the body is read and dropped
  answerLocally(renderSimple(413, "text/plain; charset=utf-8", "Request Entity Too Large", {},
                             close_after || close_after_, ex_.head_request),
                close_after);
}

}  // namespace pier::proxy
