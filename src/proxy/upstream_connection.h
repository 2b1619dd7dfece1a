// Client side of one HTTP/1.1 connection to a backend server: resolve, connect, write the
// request, parse the response, and, after a 101, carry tunnel bytes.
// Thread: owning worker. Lifetime: deleted in its close callback (TcpConnection). While an
// exchange uses it, the exchange is its `user`; while idle it sits in the worker's UpstreamPool.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/parser.h"
#include "proxy/intrusive_list.h"
#include "proxy/tcp_connection.h"

namespace pier::tls {
class ClientContext;
}

namespace pier::proxy {

class WorkerContext;

enum class UpstreamFailure : std::uint8_t {
  ConnectFailed,   // refused, unreachable, DNS failure -> 502
  ConnectTimeout,  // dialTimeout -> 504
  HeaderTimeout,   // responseHeaderTimeout -> 504
  ClosedEarly,     // EOF or reset before the response was complete -> 502
  BadResponse,     // malformed response -> 502
};

// Implemented by the exchange that currently uses the connection. Every callback may close the
// connection (and the user may destroy itself); none is called after detach().
class UpstreamUser {
 public:
  virtual void onUpstreamConnected() = 0;
  virtual void onUpstreamResponseHead(http::ResponseHead&& head, const http::BodyInfo& body) = 0;
  virtual void onUpstreamBody(std::string_view data) = 0;
  virtual void onUpstreamComplete() = 0;
  virtual void onUpstreamTunnelData(std::string_view data) = 0;
  virtual void onUpstreamTunnelEof() = 0;
  virtual void onUpstreamFailure(UpstreamFailure failure, bool any_response_byte) = 0;
  virtual void onUpstreamWritable() = 0;

 protected:
  ~UpstreamUser() = default;
};

class UpstreamConnection final : public TcpConnection, private http::ParserSink {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts resolving and connecting; `user` hears onUpstreamConnected or onUpstreamFailure later
  // (never before this returns).
  // With `tls`, a TLS handshake follows the TCP connect and onUpstreamConnected waits for it;
  // `server_name` is the SNI and the name verified (empty: the dialled host). `tls` must
  // outlive the connect (the caller's pinned snapshot owns it).
  static UpstreamConnection* connect(WorkerContext& ctx, std::string pool_key,
                                     const std::string& host, std::uint16_t port,
                                     Clock::duration dial_timeout, UpstreamUser& user,
                                     const tls::ClientContext* tls = nullptr,
                                     std::string server_name = {});

  // Hands a pooled connection to a new exchange.
  void attach(UpstreamUser& user);
  // The exchange lets go; the connection closes unless it is reusable and goes back to the pool.
  void release(bool reusable);
  // The exchange lets go and the connection is closed.
  void detachAndClose();

  void sendBytes(std::string&& bytes) { send(std::move(bytes)); }
  void expectNoBody() { parser_.expectNoBodyForNextResponse(); }
  void setResponseHeaderDeadline(Clock::time_point deadline) { header_deadline_ = deadline; }
  void clearResponseHeaderDeadline() { header_deadline_ = Clock::time_point{}; }
  // Switches to raw tunnel mode (after a 101); `leftover` are bytes read after the 101 head.
  void enterTunnel();
  void pauseReading() { stopReading(); }
  void resumeReading() { startReading(); }
  void halfClose() { shutdownWrite(); }

  // Worker sweep: fails the current operation when a deadline passed; closes stale idle ones.
  void checkDeadlines(Clock::time_point now);

  const std::string& poolKey() const { return pool_key_; }
  bool reused() const { return reused_; }
  Clock::time_point idleSince() const { return idle_since_; }

  ListHook<UpstreamConnection> hook;  // worker's list of all upstream connections

 private:
  UpstreamConnection(WorkerContext& ctx, std::string pool_key);
  ~UpstreamConnection() override = default;

  void startConnect(const struct sockaddr* addr);
  void fail(UpstreamFailure failure);
  // A failure found before connect() returned: the user hears of it from the close callback,
  // once the caller holds the pointer (an inline report would let the caller store a
  // connection that is already closing and soon freed).
  void failFromClosePath(UpstreamFailure failure);
  static void connectCb(uv_connect_t* req, int status);
  static void resolvedCb(uv_getaddrinfo_t* req, int status, struct addrinfo* res);

  void onTlsHandshakeDone() override;
  void onTlsError(const std::string& why) override;
  void onRead(const char* data, std::size_t len) override;
  void onEof() override;
  void onReadError(int status) override;
  void onWriteDone(int status) override;
  void onClosed() override;

  void onResponseHead(http::ResponseHead&& head, const http::BodyInfo& body) override;
  void onBody(std::string_view data) override;
  void onMessageComplete() override;

  WorkerContext& ctx_;
  std::string pool_key_;
  UpstreamUser* user_ = nullptr;
  http::Http1Parser parser_;
  struct ResolveOp* resolve_op_ = nullptr;
  const tls::ClientContext* tls_ = nullptr;  // only until the handshake is done
  std::string server_name_;
  Clock::time_point connect_deadline_{};
  Clock::time_point header_deadline_{};
  Clock::time_point idle_since_{};
  bool connected_ = false;
  bool tunnel_ = false;
  bool reused_ = false;
  bool response_started_ = false;
  bool message_complete_ = false;
  std::optional<UpstreamFailure> failure_on_close_;  // set by failFromClosePath
};

}  // namespace pier::proxy
