#include "proxy/upstream_connection.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

#include "base/log.h"
#include "proxy/worker_context.h"
#include "tls/client_tls.h"
#include "tls/session.h"

namespace pier::proxy {

// A DNS lookup can outlive the connection that asked for it (R5): the connection clears `conn`
// when it closes, and the callback then only frees the request.
struct ResolveOp {
  uv_getaddrinfo_t req{};
  UpstreamConnection* conn = nullptr;
  std::uint16_t port = 0;
};

namespace {

struct ConnectOp {
  uv_connect_t req{};
};

}  // namespace

UpstreamConnection::UpstreamConnection(WorkerContext& ctx, std::string pool_key)
    : TcpConnection(ctx.loop(), ctx.batcher()),
      ctx_(ctx),
      pool_key_(std::move(pool_key)),
      parser_(http::Http1Parser::Mode::Response, *this) {
  ctx_.addUpstream(this);
}

UpstreamConnection* UpstreamConnection::connect(WorkerContext& ctx, std::string pool_key,
                                                const std::string& host, std::uint16_t port,
                                                Clock::duration dial_timeout, UpstreamUser& user,
                                                const tls::ClientContext* tls,
                                                std::string server_name) {
  auto* conn = new UpstreamConnection(ctx, std::move(pool_key));
  conn->user_ = &user;
  conn->tls_ = tls;
  conn->server_name_ = server_name.empty() ? host : std::move(server_name);
  if (dial_timeout.count() > 0) {
    conn->connect_deadline_ = Clock::now() + dial_timeout;
  }
  sockaddr_storage addr{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (uv_ip4_addr(host.c_str(), port, v4) == 0 || uv_ip6_addr(host.c_str(), port, v6) == 0) {
    conn->startConnect(reinterpret_cast<sockaddr*>(&addr));
    return conn;
  }
  auto* op = new ResolveOp();
  op->conn = conn;
  op->port = port;
  op->req.data = op;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  conn->resolve_op_ = op;
  if (uv_getaddrinfo(ctx.loop(), &op->req, &UpstreamConnection::resolvedCb, host.c_str(), nullptr,
                     &hints) != 0) {
    conn->resolve_op_ = nullptr;
    delete op;
    conn->failFromClosePath(UpstreamFailure::ConnectFailed);
  }
  return conn;
}

void UpstreamConnection::resolvedCb(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* op = static_cast<ResolveOp*>(req->data);
  UpstreamConnection* conn = op->conn;
  if (conn != nullptr) {
    conn->resolve_op_ = nullptr;
    if (status != 0 || res == nullptr) {
      conn->fail(UpstreamFailure::ConnectFailed);
    } else {
      sockaddr_storage addr{};
      std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
      if (addr.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(op->port);
      } else {
        reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(op->port);
      }
      conn->startConnect(reinterpret_cast<sockaddr*>(&addr));
    }
  }
  uv_freeaddrinfo(res);
  delete op;
}

void UpstreamConnection::startConnect(const sockaddr* addr) {
  auto* op = new ConnectOp();
  op->req.data = this;
  if (uv_tcp_connect(&op->req, tcp(), addr, &UpstreamConnection::connectCb) != 0) {
    // e.g. ENETUNREACH or EMFILE, reported by uv_tcp_connect itself, maybe inside connect()
    delete op;
    failFromClosePath(UpstreamFailure::ConnectFailed);
  }
}

void UpstreamConnection::connectCb(uv_connect_t* req, int status) {
  auto* self = static_cast<UpstreamConnection*>(req->data);
  delete reinterpret_cast<ConnectOp*>(req);  // req is the first member of ConnectOp
  if (self->isClosing()) {
    return;  // cancelled by close(); the close callback follows (R2)
  }
  if (status != 0) {
    self->fail(UpstreamFailure::ConnectFailed);
    return;
  }
  self->connected_ = true;
  uv_tcp_nodelay(self->tcp(), 1);
  self->startReading();
  if (self->tls_ != nullptr) {
    // The dial timeout keeps running until the handshake is done.
    std::vector<std::string> alpn{"http/1.1"};
    const std::string& name = self->server_name_;
    auto session = tls::Session::connect(self->tls_->ctx(), name,
                                         self->tls_->verifies() ? name : std::string(), alpn);
    self->tls_ = nullptr;
    if (!session) {
      self->fail(UpstreamFailure::ConnectFailed);
      return;
    }
    self->startTls(std::move(session), {});
    return;
  }
  self->connect_deadline_ = Clock::time_point{};
  if (self->user_ != nullptr) {
    self->user_->onUpstreamConnected();
  }
}

void UpstreamConnection::onTlsHandshakeDone() {
  connect_deadline_ = Clock::time_point{};
  if (user_ != nullptr) {
    user_->onUpstreamConnected();
  }
}

void UpstreamConnection::onTlsError(const std::string& why) {
  log::warn("TLS to server " + server_name_ + " failed: " + why);
  fail(response_started_ || reused_ ? UpstreamFailure::ClosedEarly
                                    : UpstreamFailure::ConnectFailed);
}

void UpstreamConnection::attach(UpstreamUser& user) {
  user_ = &user;
  reused_ = true;
  idle_since_ = Clock::time_point{};
  response_started_ = false;
  message_complete_ = false;
}

void UpstreamConnection::release(bool reusable) {
  user_ = nullptr;
  header_deadline_ = Clock::time_point{};
  if (!reusable || !connected_ || tunnel_ || isClosing()) {
    close();
    return;
  }
  idle_since_ = Clock::now();
  parser_.resume();
  startReading();  // an idle connection still reads, to notice the backend closing it
  ctx_.putIdle(this, 0);
}

void UpstreamConnection::detachAndClose() {
  user_ = nullptr;
  close();
}

void UpstreamConnection::enterTunnel() {
  tunnel_ = true;
  header_deadline_ = Clock::time_point{};
  startReading();
}

void UpstreamConnection::fail(UpstreamFailure failure) {
  UpstreamUser* user = user_;
  user_ = nullptr;
  close();
  if (user != nullptr) {
    user->onUpstreamFailure(failure, response_started_);
  }
}

void UpstreamConnection::failFromClosePath(UpstreamFailure failure) {
  failure_on_close_ = failure;
  close();
}

void UpstreamConnection::checkDeadlines(Clock::time_point now) {
  if (isClosing()) {
    return;
  }
  if (connect_deadline_ != Clock::time_point{} && now >= connect_deadline_) {
    fail(UpstreamFailure::ConnectTimeout);
  } else if (header_deadline_ != Clock::time_point{} && now >= header_deadline_) {
    fail(UpstreamFailure::HeaderTimeout);
  }
}

void UpstreamConnection::onRead(const char* data, std::size_t len) {
  if (tunnel_) {
    if (user_ != nullptr) {
      user_->onUpstreamTunnelData(std::string_view(data, len));
    }
    return;
  }
  if (user_ == nullptr) {
    close();  // an idle connection must not talk: the backend is confused, drop it
    return;
  }
  std::string_view input(data, len);
  while (!input.empty() && !isClosing() && user_ != nullptr) {
    http::FeedResult r = parser_.feed(input);
    input.remove_prefix(r.consumed);
    if (isClosing() || user_ == nullptr) {
      return;  // a callback during this feed let go of us (e.g. the errors middleware)
    }
    if (r.status == http::ParseStatus::Error) {
      fail(UpstreamFailure::BadResponse);
      return;
    }
    if (r.status == http::ParseStatus::Upgrade) {
      // 101: the rest of this read already belongs to the tunnel.
      tunnel_ = true;
      if (!input.empty() && user_ != nullptr) {
        user_->onUpstreamTunnelData(input);
      }
      return;
    }
    if (r.status == http::ParseStatus::Paused) {
      if (message_complete_) {
        if (!input.empty()) {
          // Bytes after a complete response on a connection we did not ask anything else of.
          UpstreamUser* user = user_;
          user_ = nullptr;
          close();
          if (user != nullptr) {
            user->onUpstreamComplete();
          }
          return;
        }
        message_complete_ = false;
        UpstreamUser* user = user_;
        if (user != nullptr) {  // the user may have let go of us during this read (a 500 instead)
          user->onUpstreamComplete();  // may release or close us
        }
        return;
      }
      parser_.resume();  // an interim (1xx) response finished; the real one follows
    }
  }
}

void UpstreamConnection::onEof() {
  if (tunnel_) {
    if (user_ != nullptr) {
      user_->onUpstreamTunnelEof();
    }
    return;
  }
  if (user_ == nullptr) {
    close();  // idle connection closed by the backend
    return;
  }
  http::FeedResult r = parser_.finishEof();
  if (r.status == http::ParseStatus::Error || !message_complete_) {
    fail(UpstreamFailure::ClosedEarly);
    return;
  }
  UpstreamUser* user = user_;
  user_ = nullptr;
  close();
  user->onUpstreamComplete();
}

void UpstreamConnection::onReadError(int) {
  if (tunnel_) {
    if (user_ != nullptr) {
      user_->onUpstreamTunnelEof();
    }
    return;
  }
  fail(UpstreamFailure::ClosedEarly);
}

void UpstreamConnection::onWriteDone(int status) {
  if (status < 0) {
    fail(UpstreamFailure::ClosedEarly);
    return;
  }
  if (user_ != nullptr) {
    user_->onUpstreamWritable();
  }
}

void UpstreamConnection::onClosed() {
  if (resolve_op_ != nullptr) {
    resolve_op_->conn = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_op_->req));
  }
  ctx_.forgetIdle(this);
  ctx_.removeUpstream(this);
  UpstreamUser* user = user_;
  user_ = nullptr;
  if (user != nullptr) {
    // A failure kept for this moment, or closed under the user's feet (write error path):
    // then tell it as an early close.
    user->onUpstreamFailure(failure_on_close_.value_or(UpstreamFailure::ClosedEarly),
                            response_started_);
  }
}

void UpstreamConnection::onResponseHead(http::ResponseHead&& head, const http::BodyInfo& body) {
  bool interim = head.status >= 100 && head.status < 200 && head.status != 101;
  if (!interim) {
    response_started_ = true;
    header_deadline_ = Clock::time_point{};
  }
  if (user_ != nullptr) {
    user_->onUpstreamResponseHead(std::move(head), body);
  }
}

void UpstreamConnection::onBody(std::string_view data) {
  if (user_ != nullptr) {
    user_->onUpstreamBody(data);
  }
}

void UpstreamConnection::onMessageComplete() {
  message_complete_ = response_started_;
}

}  // namespace pier::proxy
