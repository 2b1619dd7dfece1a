#include "middleware/retry.h"

#include <cmath>

namespace pier::middleware {
namespace {

struct Options {
  std::int64_t attempts = 0;
  config::Duration initial_interval{0};
  std::optional<std::int64_t> max_request_body_bytes;
  // Traefik v3.5+ options Pier does not implement: refused when set, so nobody relies on them.
  std::vector<std::string> status;
  config::Duration timeout{0};
  bool disable_retry_on_network_error = false;
  bool retry_non_idempotent_method = false;
};

template <class V>
void describe(V& v, Options& o) {
  v("attempts", o.attempts);
  v("initialInterval", o.initial_interval);
  v("maxRequestBodyBytes", o.max_request_body_bytes);
  v("status", o.status);
  v("timeout", o.timeout);
  v("disableRetryOnNetworkError", o.disable_retry_on_network_error);
  v("retryNonIdempotentMethod", o.retry_non_idempotent_method);
}

class Retry final : public Middleware {
 public:
  Retry(std::string name, RetryPolicy policy) : Middleware(std::move(name)), policy_(policy) {}
  std::string_view kind() const override { return "retry"; }
  Verdict onRequest(RequestContext&) const override { return Verdict::Continue; }
  const RetryPolicy* retryPolicy() const override { return &policy_; }

 private:
  RetryPolicy policy_;
};

}  // namespace

std::chrono::nanoseconds RetryPolicy::backoff(int retry) const {
  if (initial_interval.count() <= 0 || attempts < 2 || retry < 1) {
    return std::chrono::nanoseconds(0);
  }
  double factor = std::pow(2.0, static_cast<double>(retry - 1) / static_cast<double>(attempts - 1));
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(static_cast<double>(initial_interval.count()) * factor));
}

bool isIdempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

Result<MiddlewarePtr> makeRetry(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->attempts <= 0 || o->attempts > 1000) {
    return fail(optionError(b, "attempts", "expected a number of attempts between 1 and 1000"));
  }
  if (o->initial_interval.count() < 0) {
    return fail(optionError(b, "initialInterval", "expected a duration >= 0"));
  }
  if (!o->status.empty() || o->timeout.count() != 0 || o->disable_retry_on_network_error ||
      o->retry_non_idempotent_method) {
    return fail(optionError(b, "",
                            "status, timeout, disableRetryOnNetworkError and "
                            "retryNonIdempotentMethod are not supported by Pier yet (see "
                            "docs/differences.md)"));
  }
  RetryPolicy p;
  p.attempts = static_cast<int>(o->attempts);
  p.initial_interval = o->initial_interval;
  if (o->max_request_body_bytes) {
    if (*o->max_request_body_bytes < 0) {
      return fail(optionError(b, "maxRequestBodyBytes", "expected a number of bytes >= 0"));
    }
    p.max_request_body_bytes = static_cast<std::uint64_t>(*o->max_request_body_bytes);
  }
  return std::make_shared<Retry>(b.name, p);
}

}  // namespace pier::middleware
