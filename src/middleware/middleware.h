// The HTTP middleware interface (spec E). A middleware is built once per configuration on the
// control thread (registry.h), is immutable afterwards and is shared by every worker through the
// snapshot; per-request facts live in RequestContext, which the proxy owns for one exchange.
//
// Request phase, in chain order: onRequest() may rewrite the request head (path, headers),
// answer locally (ctx.answer, Verdict::Answer: the chain stops and the backend is not called) or
// let the request go on. Response phase, in reverse order, only for the middlewares whose
// onRequest() ran: onResponse() may edit the response head before it goes to the client; it
// also runs over a local answer given by a later middleware, as Traefik's wrapped
// ResponseWriter does (a 401 from basicAuth still gets the headers middleware's headers).
//
// Asynchronous middlewares (forwardAuth) say so with maySuspend(); for chains holding one the
// proxy keeps the RequestContext in the exchange. onRequest() then may start an outgoing call
// (ctx.http) and return Verdict::Suspend; its completion calls ctx.resume(verdict) on the same
// worker thread and the chain continues from the next middleware (or answers). If the client
// goes away first, the call is cancelled and its completion never runs.
//
// Response interception (the errors middleware): before a backend response head goes to the
// client, the middlewares that ran are asked, last first, whether they replace a response with
// that status (replacesStatus); the first that does gets replaceResponse() and the backend's
// response is dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "http/message.h"
#include "middleware/body_filter.h"

#include "middleware/http_caller.h"

namespace pier::middleware {

enum class Verdict : std::uint8_t {
  Continue,  // go on with the next middleware (or the backend)
  Answer,    // ctx.answer holds the response; the chain ends
  Suspend,   // the middleware will call ctx.resume later (asynchronous kinds)
};

// A response the proxy produces for a middleware (401, 403, 429, redirects, CORS preflight).
struct LocalAnswer {
  int status = 0;
  http::HeaderMap headers;
  std::string body;
};

class Middleware;
struct RetryPolicy;  // middleware/retry.h

// How an exchange ended, for middlewares that watch outcomes (circuitBreaker).
struct ExchangeOutcome {
  int status = 0;                      // as sent to the client; 499 when it left first
  std::chrono::nanoseconds latency{};  // from the request head to the end of the exchange
};

// Per-exchange request facts and scratch space. Owned by the proxy; one per request.
struct RequestContext {
  http::RequestHead& head;  // head.target is the normalized path?query the backend will get
  base::IpAddress peer;     // connection peer
  bool tls = false;         // the client connection is TLS
  LocalAnswer answer;       // filled with Verdict::Answer
  // headers' customRequestHeaders `X-Forwarded-For: ""`: the proxy must not append the peer.
  bool omit_forwarded_for = false;
  std::function<void(Verdict)> resume;  // set by the proxy; used by Suspend-ing kinds only
  // TLS connections: the client's certificate chain as PEM, leaf first (empty without one).
  // A call, not a value, so requests that no passTLSClientCert reads pay nothing.
  std::function<std::vector<std::string>()> peer_certificates_pem;

  // Work to do when the exchange ends however it ends (inFlightReq releases its slot). A
  // middleware that registers one gets `release(key)` called exactly once.
  struct Cleanup {
    std::shared_ptr<const Middleware> owner;  // keeps it alive past a configuration change
    std::string key;
  };
  std::vector<Cleanup> cleanups;  // stays empty (no allocation) unless a kind needs it
  // buffering: read the whole request body before the upstream request starts, and send it
  // with a Content-Length. Over max_bytes (0 = no limit) the client gets 413.
  struct RequestBuffering {
    bool enabled = false;
    std::int64_t max_bytes = 0;
  };
  RequestBuffering buffer_request;

  HttpCaller http;  // set by the proxy for chains that maySuspend()
  // Added to the response sent to the client, after the response hooks ran (forwardAuth's
  // addAuthCookiesToResponse). Empty for nearly every request.
  http::HeaderMap extra_response_headers;

  std::string_view path() const {
    std::string_view t = head.target;
    return t.substr(0, t.find('?'));
  }
  std::string_view query() const {  // without '?', empty when none
    std::string_view t = head.target;
    std::size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
  // Replaces the path, keeping the query.
  void setPath(std::string_view path) {
    std::size_t q = head.target.find('?');
    std::string rest = q == std::string::npos ? std::string() : head.target.substr(q);
    head.target.assign(path);
    head.target += rest;
  }
};

// What the response phase may read about the request (as it left the chain).
struct ResponseContext {
  const http::HeaderMap* request_headers = nullptr;  // nullptr unless the chain asked for them
  std::string_view method;
  bool tls = false;
};

// What replaceResponse() gets. The request facts are as the request left the chain.
struct ReplaceContext {
  const http::HeaderMap* request_headers = nullptr;  // always set for interceptors
  std::string_view target;                           // path?query
  bool tls = false;
  // Sends `request` (host, port and TLS left empty) to one server of the service named
  // `service` (qualified); same contract as HttpCaller. False when the service is unknown or
  // has no server.
  std::function<bool(const std::string& service, OutgoingRequest&&, HttpDone)> call_service;
};

class Middleware : public std::enable_shared_from_this<Middleware> {
 public:
  virtual ~Middleware() = default;
  // The qualified configuration name (e.g. "auth@docker") and the kind ("basicAuth").
  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;

  virtual Verdict onRequest(RequestContext& ctx) const = 0;
  // Only called when hasResponseHook().
  virtual void onResponse(const ResponseContext&, http::ResponseHead&) const {}
  virtual bool hasResponseHook() const { return false; }
  // Only called when hasResponseHook(), right after onResponse(): a filter for this exchange's
  // response body (compress, buffering), or nullptr. May edit the head like onResponse().
  virtual std::unique_ptr<BodyFilter> bodyFilter(const ResponseContext&,
                                                 http::ResponseHead&) const {
    return nullptr;
  }
  // True when onResponse() reads ResponseContext::request_headers (the proxy then keeps a copy).
  virtual bool needsRequestHeadersOnResponse() const { return false; }
  // Called for each RequestContext::Cleanup this middleware registered.
  virtual void release(const std::string&) const {}
  // Exchange-finished hook: called once when an exchange this middleware let through
  // (onRequest returned Continue) ends, however it ends. Only when observesExchangeEnd().
  virtual void onExchangeEnd(const ExchangeOutcome&) const {}
  virtual bool observesExchangeEnd() const { return false; }
  // A `retry` middleware's policy for the proxy (the chain's last one applies), else nullptr.
  virtual const RetryPolicy* retryPolicy() const { return nullptr; }

  // True when onRequest() may return Verdict::Suspend.
  virtual bool maySuspend() const { return false; }
  // Response interception (see the top of this file). replaceResponse() returns true when it
  // will call `done` later (exactly once, unless cancelled) with the response to send instead,
  // false when `now` already holds it.
  virtual bool interceptsResponses() const { return false; }
  virtual bool replacesStatus(int) const { return false; }
  virtual bool replaceResponse(const ReplaceContext&, int,
                               std::function<void(LocalAnswer&&)> /*done*/,
                               LocalAnswer& /*now*/) const {
    return false;
  }

 protected:
  explicit Middleware(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

using MiddlewarePtr = std::shared_ptr<const Middleware>;

}  // namespace pier::middleware
