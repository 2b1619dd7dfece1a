// An ordered, flattened list of middlewares (the `chain` kind is inlined when built) and one
// exchange's walk through it. The Chain is immutable and lives in the snapshot; a ChainRun lives
// in the proxy's per-request state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "middleware/middleware.h"

namespace pier::middleware {

class Chain {
 public:
  explicit Chain(std::vector<MiddlewarePtr> items);
  const std::vector<MiddlewarePtr>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool hasResponseHooks() const { return response_hooks_; }
  bool needsRequestHeadersOnResponse() const { return needs_request_headers_; }
  // The last retry middleware's policy, nullptr without one.
  const RetryPolicy* retryPolicy() const { return retry_; }
  bool observesExchangeEnd() const { return observes_exchange_end_; }
  bool maySuspend() const { return may_suspend_; }
  bool interceptsResponses() const { return intercepts_; }

 private:
  std::vector<MiddlewarePtr> items_;
  const RetryPolicy* retry_ = nullptr;  // owned by one of items_
  bool observes_exchange_end_ = false;
  bool response_hooks_ = false;
  bool needs_request_headers_ = false;
  bool may_suspend_ = false;
  bool intercepts_ = false;
};

using ChainPtr = std::shared_ptr<const Chain>;

// One request's progress through a chain. The chain must outlive the run's request and response
// phases (the proxy pins the snapshot for the exchange); cleanups hold their own references.
class ChainRun {
 public:
  ChainRun() = default;
  ~ChainRun() { finish(); }
  ChainRun(const ChainRun&) = delete;
  ChainRun& operator=(const ChainRun&) = delete;
  ChainRun(ChainRun&& o) noexcept;
  ChainRun& operator=(ChainRun&& o) noexcept;

  // Runs the request hooks from the first (or, after a resume, the next) middleware. On Answer,
  // ctx.answer holds the response with the response hooks of the earlier middlewares applied.
  Verdict runRequest(const Chain& chain, RequestContext& ctx);
  // After runRequest() returned Suspend: the suspended middleware's outcome. Continue goes on
  // with the next middleware; Answer finishes like runRequest() does.
  Verdict resume(RequestContext& ctx, Verdict outcome);
  // The last middleware that ran and replaces responses with this status; null when none.
  const Middleware* interceptorFor(int status) const;
  // Request facts for replaceResponse() (kept only for chains with interceptors).
  const http::HeaderMap& requestHeaders() const { return request_headers_; }
  const std::string& target() const { return target_; }
  bool tls() const { return tls_; }
  // Response hooks of the middlewares that ran, last first. No-op without a chain. Returns the
  // response body filter, if a middleware made one; one filter per response: the innermost
  // middleware that makes one wins, the others are not asked.
  std::unique_ptr<BodyFilter> runResponse(http::ResponseHead& head) const;
  // Exchange-finished hook: tells the middlewares that let this request through how it ended.
  // Call once, before finish().
  void reportOutcome(const ExchangeOutcome& outcome) const;
  // Releases what the middlewares registered (inFlightReq slots). Idempotent.
  void finish();
  bool active() const { return chain_ != nullptr; }
  // A middleware asked that no X-Forwarded-For be sent upstream.
  bool omitForwardedFor() const { return omit_forwarded_for_; }

 private:
  Verdict settle(const Chain& chain, RequestContext& ctx, Verdict verdict);

  const Chain* chain_ = nullptr;
  std::size_t ran_ = 0;  // how many onRequest() calls completed
  std::vector<RequestContext::Cleanup> cleanups_;
  http::HeaderMap request_headers_;  // copy for response hooks, only when the chain needs it
  std::string method_;
  std::string target_;  // chains with interceptors only
  http::HeaderMap extra_response_headers_;
  bool tls_ = false;
  bool omit_forwarded_for_ = false;
};

}  // namespace pier::middleware
