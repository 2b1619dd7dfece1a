// Downstream HTTP/1.1 connection: parses requests, runs one exchange at a time (pipelined
// requests wait, answered in order), forwards to an upstream connection with backpressure in
// both directions, answers locally where the proxy itself responds, and turns into a byte tunnel
// after a 101.
// Thread: owning worker. Lifetime: deleted in its close callback (TcpConnection); the worker
// lists it for timeouts and shutdown.
//
// The implementation is split by side: client_connection.cc drives the downstream socket and
// the request; client_exchange.cc talks to the upstream (UpstreamUser) and relays the response.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/ip_address.h"
#include "http/parser.h"
#include "observability/exchange_record.h"
#include "proxy/entrypoint_settings.h"
#include "proxy/exchange_retry.h"

#include "proxy/exchange_buffers.h"
#include "proxy/intrusive_list.h"
#include "proxy/local_reply.h"
#include "proxy/subrequest.h"
#include "proxy/suspended_request.h"
#include "proxy/tcp_connection.h"
#include "proxy/upstream_connection.h"
#include "runtime/snapshot.h"

namespace pier::observability {
class AccessLogShard;
}

namespace pier::proxy {

class WorkerContext;
class MirrorBatch;  // proxy/mirror_batch.h

class ClientConnection final : public TcpConnection,
                               private http::ParserSink,
                               private UpstreamUser {
 public:
  using Clock = std::chrono::steady_clock;

  // Accepts one pending connection from `server` and starts serving it.
  static void accept(WorkerContext& ctx, uv_stream_t* server, const EntryPointSettings& ep);

  // Worker sweep: enforces read, write and idle timeouts.
  void checkDeadlines(Clock::time_point now);
  // Shutdown: idle keep-alive connections close now; busy ones after their current response.
  void drain();
  std::size_t entryPointIndex() const { return ep_.index; }

  ListHook<ClientConnection> hook;

 private:
  // Classify: the first bytes decide between HTTP, TLS and TCP routes (spec C.5).
  // TcpConnecting: a TCP route was chosen; the bytes read so far wait in stash_.
  // TcpTlsHandshake: a TCP route that terminates TLS waits for the handshake to finish.
  enum class Phase : std::uint8_t {
    Classify,
    WaitingHead,
    Exchange,
    Tunnel,
    TcpTlsHandshake,
    TcpConnecting
  };

  // Per-request state; reset between requests on a keep-alive connection.
  struct Exchange {
    runtime::SnapshotConstSharedPtr snapshot;  // the pin: this generation serves the request
    const runtime::ServiceSpec* service = nullptr;
    int server = -1;
    std::string upstream_head;     // serialized request head, kept for one retry
    std::string pending_upstream;  // bytes produced before the upstream connection is ready
    UpstreamConnection* upstream = nullptr;
    http::BodyKind request_body = http::BodyKind::None;
    bool request_complete = false;
    bool local = false;  // answered by the proxy; the request body is discarded
    bool response_head_sent = false;
    bool response_complete = false;
    bool chunk_response = false;
    bool head_request = false;
    bool upgrade = false;
    bool retried = false;
    bool body_streamed = false;         // some request body already went upstream
    observability::ExchangeRecord obs;  // metrics and access log (exchange_report.cc)
    middleware::ChainRun chain_run;     // the router's middlewares for this request
    ExchangeRetry retry;                // a retry middleware's state (client_retry.cc)

    // Composite services (client_services.cc): sticky Set-Cookie values for the response, and
    // the copies of this request going to mirrors (sent once the request is complete).
    std::vector<std::string> sticky_cookies;
    std::shared_ptr<MirrorBatch> mirrors;

    ExchangeBuffers buffers;  // compress/buffering middlewares (client_body_filter.cc)

    // Asynchronous middlewares (client_async.cc): the request kept while the chain waits, and
    // the outgoing call it waits for (cancelled if the exchange ends first). Declared after
    // chain_run so the call is cancelled before anything it refers to goes.
    std::unique_ptr<SuspendedRequest> suspended;
    SubRequestHandle pending_call;
  };

  ClientConnection(WorkerContext& ctx, const EntryPointSettings& ep);
  ~ClientConnection() override = default;

  // TcpConnection
  void onRead(const char* data, std::size_t len) override;
  void onEof() override;
  void onReadError(int status) override;
  void onWriteDone(int status) override;
  void onClosed() override;

  // http::ParserSink (request side)
  void onRequestHead(http::RequestHead&& head, const http::BodyInfo& body) override;
  void onBody(std::string_view data) override;
  void onMessageComplete() override;

  // UpstreamUser (client_exchange.cc)
  void onUpstreamConnected() override;
  void onUpstreamResponseHead(http::ResponseHead&& head, const http::BodyInfo& body) override;
  void onUpstreamBody(std::string_view data) override;
  void onUpstreamComplete() override;
  void onUpstreamTunnelData(std::string_view data) override;
  void onUpstreamTunnelEof() override;
  void onUpstreamFailure(UpstreamFailure failure, bool any_response_byte) override;
  void onUpstreamWritable() override;

  // Connection classification and TCP routes (client_classify.cc)
  void startClassifying();
  void classify();
  bool consumeProxyHeader();
  void serveHttp();
  void startTcpRoute(const runtime::SnapshotConstSharedPtr& snapshot, std::uint32_t router);
  void onTcpUpstreamConnected();
  // TLS termination (client_tls.cc): HTTPS, or a TCP route that terminates TLS.
  void startHttps(const runtime::SnapshotConstSharedPtr& snapshot, std::string_view sni,
                  const std::string& options);
  void startTcpTls(const runtime::SnapshotConstSharedPtr& snapshot, std::uint32_t router);
  bool beginTls(const runtime::SnapshotConstSharedPtr& snapshot, std::string_view sni,
                const std::string& options);
  void onTlsHandshakeDone() override;
  void onTlsError(const std::string& why) override;

  // Request side (client_connection.cc)
  void feed(std::string_view data);
  void handleParseError();
  bool routeAndDispatch(http::RequestHead& head, const http::BodyInfo& body);
  void answerLocally(std::string&& response, bool close_after);
  void answerInternal(const runtime::ServiceSpec& service, const http::RequestHead& head);
  // /live, /ready, /metrics (ops_endpoints.cc)
  void answerOps(const runtime::ServiceSpec& service, const http::RequestHead& head);
  // api@internal's /dashboard/ and /api/x-pier/stats; false for other paths (ops_endpoints.cc).
  bool answerDashboard(const http::RequestHead& head, const std::string& path);
  // End of an exchange: metrics sample and access-log line (exchange_report.cc).
  void reportExchange();
  void writeAccessLog(observability::AccessLogShard& log, Clock::time_point now,
                      std::int64_t elapsed_ns);
  std::string_view clientSubjectForLog(const tls::Session& session);
  // Middlewares (client_middleware.cc): false when one answered (the answer has been sent), or
  // the chain went asynchronous and continues on its own (client_async.cc).
  bool runRequestMiddlewares(const middleware::Chain& chain, http::RequestHead& head,
                             const http::BodyInfo& body, const runtime::ServiceSpec& service);
  void sendMiddlewareAnswer(middleware::LocalAnswer& answer, bool close_after);
  // After the chain: the router's service answers or is forwarded to (client_exchange.cc).
  void dispatchToService(const runtime::ServiceSpec& service, http::RequestHead& head,
                         const http::BodyInfo& body);
  // Asynchronous middlewares and response interception (client_async.cc).
  void runSuspendableChain(const middleware::Chain& chain, http::RequestHead& head,
                           const http::BodyInfo& body, const runtime::ServiceSpec& service);
  void resumeChain(middleware::Verdict outcome);
  void afterChain(middleware::Verdict verdict);
  bool startCall(middleware::OutgoingRequest&& request, middleware::HttpDone done);
  bool callService(const std::string& service, middleware::OutgoingRequest&& request,
                   middleware::HttpDone done);
  // True when a middleware took over this backend response (the errors middleware).
  bool interceptResponse(int status);
  void sendReplacement(middleware::LocalAnswer&& answer);
  void dropBufferedBody();
  void finishExchange();
  void continueAfterExchange();
  void updateReading();
  void armWaitingDeadline(bool first_request);

  // Services (client_services.cc): resolves the router's service to ex_.service/ex_.server
  // (weighted, mirroring, failover, sticky cookies); false when it answered itself (503).
  bool resolveBackend(std::uint32_t service, const http::RequestHead& head,
                      const http::BodyInfo& body);
  void mirrorBody(std::string_view data);
  void launchMirrors();

  // Upstream side (client_exchange.cc)
  void startForwarding(http::RequestHead& head, const http::BodyInfo& body);
  void openUpstream();
  void sendUpstream(std::string&& bytes);
  void failExchange(LocalReply reply);
  void releaseUpstream(bool reusable);
  void closeBoth();
  // Retry middleware (client_retry.cc)
  void armRetry(const http::RequestHead& head);
  bool retryAfterFailure(UpstreamFailure failure);  // true: another attempt is under way
  void onRetryTimer();

  // Copies what the access log prints of `head` (nullptr when the log is off).
  const observability::LoggedRequest* keepForAccessLog(const http::RequestHead& head);

  // Response-body filters and request buffering (client_body_filter.cc).
  // True when the response head is held back (or the response was replaced by a 500).
  bool startBodyFilter(std::unique_ptr<middleware::BodyFilter> filter, http::ResponseHead& head);
  // The bytes to send for `data` in `out`; false when there is nothing to send now.
  bool filterResponseBody(std::string_view data, std::string& out);
  // End of the backend's body; false when the exchange was answered otherwise (500).
  bool finishResponseBody();
  void releaseHeldHead(middleware::BodyFilter::State state);
  void useTransformedFraming(http::ResponseHead& head);
  void rejectFilteredResponse();
  // True when the request waits for its whole body before going upstream (or got a 413).
  bool deferUntilBodyBuffered(http::RequestHead& head, const http::BodyInfo& body);
  void bufferRequestBody(std::string_view data);
  void forwardBufferedRequest();
  void answerRequestTooLarge();

  WorkerContext& ctx_;
  const EntryPointSettings& ep_;
  http::Http1Parser parser_;
  base::IpAddress peer_;
  std::uint16_t peer_port_ = 0;  // from accept; the access log prints it per request
  std::string peer_text_;        // peer_ as text, made once by the first access-log line
  // Access log on: what the line prints of the current request (strings reused from one request
  // to the next), and the client certificate's subject, parsed once for the connection.
  observability::LoggedRequest logged_request_;
  std::optional<std::string> logged_client_subject_;
  Phase phase_ = Phase::Classify;
  int tcp_proxy_protocol_ = 0;        // PROXY protocol version to send once a TCP route connects
  bool tls_terminated_ = false;       // a TLS session decrypts this connection
  std::string tls_sni_;               // from the ClientHello; empty when none or not TLS
  std::string tls_options_;           // TLS options the handshake used (spec F.4 421 check)
  std::uint32_t tcp_router_ = 0;      // TcpTlsHandshake: the route to connect afterwards
  bool expect_proxy_header_ = false;  // a trusted peer on a proxyProtocol entry point
  // TCP middlewares holding a slot for this connection (inFlightConn), released on close.
  std::vector<middleware::TcpMiddlewarePtr> tcp_slots_;
  Exchange ex_;
  std::string stash_;  // unparsed input kept while the parser is paused
  std::uint64_t requests_served_ = 0;
  Clock::time_point born_ = Clock::now();
  Clock::time_point deadline_{};  // current read/idle/write deadline; zero = none
  bool in_feed_ = false;          // re-entrancy guard: feed() is on the stack
  bool exchange_done_ = false;    // set inside feed(), handled when it unwinds
  bool parser_paused_ = false;    // the parser stopped after a complete request
  bool backpressure_ = false;     // the upstream cannot take more request body now
  bool upstream_paused_ = false;  // we paused the upstream: the client cannot take more
  bool close_after_ = false;      // no keep-alive after the current response
  bool received_any_ = false;     // bytes of the next request have arrived
  bool client_eof_ = false;
  bool upstream_eof_ = false;  // tunnel: the backend finished sending
};

}  // namespace pier::proxy
