#include "proxy/client_connection.h"

#include "base/log.h"
#include "http/forwarded.h"
#include "http/hop_by_hop.h"
#include "http/serializer.h"
#include "http/url.h"
#include "proxy/worker_context.h"

namespace pier::proxy {
namespace {

// Above this many queued bytes on the other side, stop reading; resume below the low mark.
constexpr std::size_t kHighWater = 512 * 1024;
constexpr std::size_t kLowWater = 128 * 1024;
// Unparsed input kept while a request is being answered (pipelining), before reads stop.
constexpr std::size_t kMaxStash = 64 * 1024;

http::ParseLimits limitsFor(const EntryPointSettings& ep) {
  http::ParseLimits limits;
  limits.max_header_bytes = ep.max_header_bytes;
  return limits;
}

}  // namespace

ClientConnection::ClientConnection(WorkerContext& ctx, const EntryPointSettings& ep)
    : TcpConnection(ctx.loop(), ctx.batcher()),
      ctx_(ctx),
      ep_(ep),
      parser_(http::Http1Parser::Mode::Request, *this, limitsFor(ep)) {
  ctx_.addClient(this);
}

void ClientConnection::accept(WorkerContext& ctx, uv_stream_t* server,
                              const EntryPointSettings& ep) {
  auto* conn = new ClientConnection(ctx, ep);
  if (uv_accept(server, conn->stream()) != 0) {
    conn->close();
    return;
  }
  sockaddr_storage peer{};
  int len = sizeof peer;
  if (uv_tcp_getpeername(conn->tcp(), reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    conn->peer_ = base::IpAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&peer));
    conn->peer_port_ = ntohs(peer.ss_family == AF_INET6  // for the access log
                                 ? reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port
                                 : reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
  }
  uv_tcp_nodelay(conn->tcp(), 1);
  conn->startClassifying();
}

void ClientConnection::armWaitingDeadline(bool first_request) {
  Millis timeout = first_request ? ep_.read_timeout : ep_.idle_timeout;
  deadline_ = timeout.count() > 0 ? Clock::now() + timeout : Clock::time_point{};
}

void ClientConnection::checkDeadlines(Clock::time_point now) {
  if (isClosing() || deadline_ == Clock::time_point{} || now < deadline_) {
    return;
  }
  // Timed out reading a request, idling between requests, or writing a response.
  closeBoth();
}

void ClientConnection::drain() {
  close_after_ = true;
  if ((phase_ == Phase::WaitingHead || phase_ == Phase::Classify) && !received_any_) {
    close();
  }
}

void ClientConnection::onRead(const char* data, std::size_t len) {
  if (phase_ == Phase::Classify) {
    stash_.append(data, len);
    classify();
    return;
  }
  if (phase_ == Phase::TcpConnecting || phase_ == Phase::TcpTlsHandshake) {
    stash_.append(data, len);  // reading is stopped; this is what was already in flight
    return;
  }
  if (phase_ == Phase::Tunnel) {
    if (ex_.upstream != nullptr) {
      ex_.upstream->sendBytes(std::string(data, len));
      if (ex_.upstream->pendingWriteBytes() > kHighWater) {
        backpressure_ = true;
        updateReading();
      }
    }
    return;
  }
  if (parser_paused_) {
    // Pipelined bytes (or early tunnel bytes) while the current exchange runs: keep them for
    // later, and keep reading unless they pile up. Stopping and restarting reads on every
    // request would cost two epoll_ctl calls per request.
    stash_.append(data, len);
    if (stash_.size() > kMaxStash) {
      updateReading();
    }
    return;
  }
  if (!received_any_ && phase_ == Phase::WaitingHead) {
    received_any_ = true;
    deadline_ =
        ep_.read_timeout.count() > 0 ? Clock::now() + ep_.read_timeout : Clock::time_point{};
  }
  feed(std::string_view(data, len));
}

// Parses as much as the parser takes. After a complete request the parser pauses; the rest is
// stashed until the response is done, so pipelined requests are answered in order.
void ClientConnection::feed(std::string_view data) {
  in_feed_ = true;
  while (!isClosing()) {
    if (data.empty()) {
      break;
    }
    http::FeedResult r = parser_.feed(data);
    data.remove_prefix(r.consumed);
    if (r.status == http::ParseStatus::Error) {
      in_feed_ = false;
      handleParseError();
      return;
    }
    if (r.status == http::ParseStatus::Upgrade) {
      // An upgrade request's head is done; whatever follows is for the tunnel, once a 101
      // arrives. Hold it until then.
      stash_.append(data.data(), data.size());
      parser_paused_ = true;
      break;
    }
    if (r.status == http::ParseStatus::Paused) {
      if (exchange_done_) {
        // Answered while still parsing (a local reply): carry on with the next request.
        exchange_done_ = false;
        continueAfterExchange();
        if (isClosing() || parser_paused_) {
          stash_.append(data.data(), data.size());
          break;
        }
        continue;
      }
      parser_paused_ = true;
      stash_.append(data.data(), data.size());
      break;
    }
  }
  in_feed_ = false;
  if (exchange_done_ && !isClosing()) {
    exchange_done_ = false;
    continueAfterExchange();
    return;
  }
  updateReading();
}

void ClientConnection::updateReading() {
  if (isClosing()) {
    return;
  }
  bool want = !backpressure_ && !client_eof_ && !(parser_paused_ && stash_.size() > kMaxStash);
  if (want) {
    startReading();
  } else {
    stopReading();
  }
}

void ClientConnection::handleParseError() {
  LocalReply reply = parser_.errorStatus() == 431   ? LocalReply::HeadersTooLarge
                     : parser_.errorStatus() == 501 ? LocalReply::NotImplemented
                                                    : LocalReply::BadRequest;
  if (phase_ == Phase::Exchange && ex_.response_head_sent) {
    closeBoth();  // the response is under way: nothing sane can be said any more
    return;
  }
  if (ex_.upstream != nullptr) {
    ex_.upstream->detachAndClose();
    ex_.upstream = nullptr;
  }
  send(renderLocalReply(reply, true, false));
  shutdownWrite();
  stopReading();
  phase_ = Phase::WaitingHead;
  close_after_ = true;
  // Close once the error response is flushed (onWriteDone), or now if nothing is queued.
  if (pendingWriteBytes() == 0) {
    close();
  }
}

void ClientConnection::onRequestHead(http::RequestHead&& head, const http::BodyInfo& body) {
  phase_ = Phase::Exchange;
  ex_ = Exchange{};
  ex_.obs.begin(head, keepForAccessLog(head));
  ex_.request_body = body.kind;
  ex_.head_request = head.method == "HEAD";
  ex_.upgrade = body.upgrade;
  ++requests_served_;
  if (!body.keep_alive ||
      (ep_.keep_alive_max_requests > 0 && requests_served_ >= ep_.keep_alive_max_requests) ||
      (ep_.keep_alive_max_time.count() > 0 && Clock::now() - born_ >= ep_.keep_alive_max_time)) {
    close_after_ = true;  // this response says Connection: close (spec A.7 keepAliveMax*)
  }
  // Between the end of the head and the end of the response only writeTimeout applies; the
  // body must still arrive within readTimeout of the start.
  if (ep_.write_timeout.count() > 0) {
    deadline_ = Clock::now() + ep_.write_timeout;
  }
  if (!routeAndDispatch(head, body)) {
    return;
  }
}

void ClientConnection::onBody(std::string_view data) {
  if (ex_.mirrors != nullptr) {
    mirrorBody(data);  // mirroring keeps a copy (client_services.cc)
  }
  if (ex_.local || isClosing()) {
    return;  // answered already; the body is read and dropped so keep-alive can continue
  }
  if (ex_.buffers.holdsRequest()) {
    bufferRequestBody(data);  // buffering middleware (client_body_filter.cc)
    return;
  }
  ex_.body_streamed = true;
  ex_.obs.request_bytes += data.size();
  if (ex_.request_body == http::BodyKind::Chunked) {
    std::string chunk;
    http::appendChunk(chunk, data);
    sendUpstream(std::move(chunk));
  } else {
    sendUpstream(std::string(data));
  }
}

void ClientConnection::onMessageComplete() {
  ex_.request_complete = true;
  if (ex_.mirrors != nullptr) {
    launchMirrors();  // the copies leave now; the main exchange does not wait for them
  }
  if (ep_.write_timeout.count() == 0) {
    deadline_ = Clock::time_point{};  // request fully read: readTimeout no longer applies
  }
  if (!ex_.local && ex_.buffers.holdsRequest()) {
    forwardBufferedRequest();  // buffering middleware: the whole body is here now
    return;
  }
  if (!ex_.local && ex_.request_body == http::BodyKind::Chunked) {
    std::string last;
    http::appendLastChunk(last);
    sendUpstream(std::move(last));
  }
  if (ex_.local || ex_.response_complete) {
    finishExchange();
  }
}

void ClientConnection::answerLocally(std::string&& response, bool close_after) {
  ex_.local = true;
  ex_.response_head_sent = true;
  ex_.response_complete = true;
  if (close_after) {
    close_after_ = true;
  }
  ex_.obs.noteLocalReply(response);
  send(std::move(response));
  if (ex_.request_complete) {
    finishExchange();
  }
}

// The response is complete (and the request too): reset for the next request or close.
void ClientConnection::finishExchange() {
  if (in_feed_) {
    exchange_done_ = true;
    return;
  }
  continueAfterExchange();
}

void ClientConnection::continueAfterExchange() {
  if (ex_.upstream != nullptr) {
    releaseUpstream(false);
  }
  reportExchange();
  ex_ = Exchange{};  // drops the pinned snapshot
  phase_ = Phase::WaitingHead;
  if (close_after_ || !ctx_.process().accepting.load(std::memory_order_relaxed)) {
    stopReading();
    if (pendingWriteBytes() == 0) {
      close();
    } else {
      shutdownWrite();  // close in onWriteDone once the response is flushed
    }
    return;
  }
  parser_paused_ = false;
  received_any_ = !stash_.empty();
  armWaitingDeadline(false);
  if (received_any_ && ep_.read_timeout.count() > 0) {
    deadline_ = Clock::now() + ep_.read_timeout;
  }
  parser_.resume();
  if (!stash_.empty() && !in_feed_) {
    std::string pending;
    pending.swap(stash_);
    feed(pending);
    return;
  }
  updateReading();
}

void ClientConnection::onEof() {
  client_eof_ = true;
  if (phase_ == Phase::Classify || phase_ == Phase::TcpTlsHandshake) {
    close();  // gone before saying what it is, or mid-handshake
    return;
  }
  if (phase_ == Phase::TcpConnecting) {
    return;  // the server gets what was sent, then the half-close, once connected
  }
  if (phase_ == Phase::Tunnel) {
    if (ex_.upstream != nullptr) {
      ex_.upstream->halfClose();
    }
    if (upstream_eof_) {
      closeBoth();
    }
    return;
  }
  if (phase_ == Phase::Exchange && !ex_.request_complete) {
    // The client went away mid-request (Traefik logs 499): drop the backend side too.
    closeBoth();
    return;
  }
  if (phase_ == Phase::WaitingHead) {
    close();
  }
  // Otherwise the request is complete and a response is on its way: finish writing it.
}

void ClientConnection::onReadError(int) {
  closeBoth();
}

void ClientConnection::onWriteDone(int status) {
  if (status < 0) {
    closeBoth();
    return;
  }
  if (upstream_paused_ && pendingWriteBytes() < kLowWater && ex_.upstream != nullptr) {
    upstream_paused_ = false;
    ex_.upstream->resumeReading();
  }
  if (pendingWriteBytes() == 0 && phase_ == Phase::WaitingHead && close_after_) {
    close();
  }
}

void ClientConnection::onClosed() {
  reportExchange();  // a tunnel, or an exchange cut short (no-op when none is under way)
  middleware::releaseTcpSlots(tcp_slots_, peer_);  // inFlightConn slots of a TCP route
  if (ex_.upstream != nullptr) {
    ex_.upstream->detachAndClose();
    ex_.upstream = nullptr;
  }
  ctx_.removeClient(this);
}

void ClientConnection::closeBoth() {
  if (ex_.upstream != nullptr) {
    ex_.upstream->detachAndClose();
    ex_.upstream = nullptr;
  }
  close();
}

}  // namespace pier::proxy
