// circuitBreaker: refuses requests with `responseCode` (503) and its status text while the
// breaker (cb_breaker.h) is tripped; watches the outcome of the exchanges it lets through with
// the exchange-finished hook. One breaker per middleware instance, shared by all workers; a new
// configuration builds a new one (as Traefik rebuilds its handlers).
#include "middleware/circuit_breaker.h"

#include "http/status.h"
#include "middleware/cb_breaker.h"

namespace pier::middleware {
namespace {

struct Options {
  std::string expression;
  config::Duration check_period = std::chrono::milliseconds(100);
  config::Duration fallback_duration = std::chrono::seconds(10);
  config::Duration recovery_duration = std::chrono::seconds(10);
  std::int64_t response_code = 503;
};

template <class V>
void describe(V& v, Options& o) {
  v("expression", o.expression);
  v("checkPeriod", o.check_period);
  v("fallbackDuration", o.fallback_duration);
  v("recoveryDuration", o.recovery_duration);
  v("responseCode", o.response_code);
}

class CircuitBreaker final : public Middleware {
 public:
  using Clock = std::chrono::steady_clock;
  CircuitBreaker(std::string name, cb::Expression expression, cb::Breaker::Settings settings,
                 int response_code)
      : Middleware(std::move(name)),
        breaker_(std::move(expression), settings),
        response_code_(response_code) {}
  std::string_view kind() const override { return "circuitBreaker"; }

  Verdict onRequest(RequestContext& ctx) const override {
    if (breaker_.allow(Clock::now())) {
      return Verdict::Continue;
    }
    ctx.answer.status = response_code_;
    ctx.answer.headers.clear();
    ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
    ctx.answer.body = std::string(http::reasonPhrase(response_code_));
    return Verdict::Answer;
  }

  bool observesExchangeEnd() const override { return true; }
  void onExchangeEnd(const ExchangeOutcome& outcome) const override {
    breaker_.record(Clock::now(), outcome.status, outcome.latency);
  }

 private:
  mutable cb::Breaker breaker_;  // shared state; thread-safe (cb_breaker.h)
  int response_code_;
};

}  // namespace

Result<MiddlewarePtr> makeCircuitBreaker(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->expression.empty()) {
    return fail(
        optionError(b, "expression", "expected an expression, e.g. NetworkErrorRatio() > 0.5"));
  }
  auto expression = cb::Expression::parse(o->expression);
  if (!expression) {
    return fail(
        optionError(b, "expression", "\"" + o->expression + "\": " + expression.error().message));
  }
  // Traefik keeps the defaults for durations that are not positive.
  cb::Breaker::Settings s;
  if (o->check_period.count() > 0) {
    s.check_period = o->check_period;
  }
  if (o->fallback_duration.count() > 0) {
    s.fallback = o->fallback_duration;
  }
  if (o->recovery_duration.count() > 0) {
    s.recovery = o->recovery_duration;
  }
  if (o->response_code < 100 || o->response_code > 599) {
    return fail(optionError(b, "responseCode", "expected an HTTP status code between 100 and 599"));
  }
  return std::make_shared<CircuitBreaker>(b.name, std::move(*expression), s,
                                          static_cast<int>(o->response_code));
}

}  // namespace pier::middleware
