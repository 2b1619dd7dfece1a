// retry and circuitBreaker: the expression language, the statistics window, the breaker's state
// machine (with an injected clock) and the two kinds' configuration.
#include <chrono>

#include "harness.h"
#include "middleware/cb_breaker.h"
#include "middleware/cb_expression.h"
#include "middleware/cb_window.h"
#include "middleware/retry.h"

using namespace pier;
using namespace pier::test;
using namespace std::chrono_literals;
using middleware::Verdict;
using middleware::cb::Breaker;
using middleware::cb::CodeRange;
using middleware::cb::Expression;
using middleware::cb::Window;

namespace {

struct FakeStats final : middleware::cb::Stats {
  double net = 0;
  double ratio = 0;
  double latency = 0;
  mutable CodeRange last_num{}, last_den{};
  mutable double last_percent = 0;
  double networkErrorRatio() const override { return net; }
  double responseCodeRatio(CodeRange num, CodeRange den) const override {
    last_num = num;
    last_den = den;
    return ratio;
  }
  double latencyAtQuantileMs(double percent) const override {
    last_percent = percent;
    return latency;
  }
};

Expression parse(std::string_view text) {
  auto e = Expression::parse(text);
  REQUIRE_MESSAGE(e, (e ? "" : e.error().message));
  return *e;
}

std::string parseError(std::string_view text) {
  auto e = Expression::parse(text);
  REQUIRE(!e);
  return e.error().message;
}

Breaker::Clock::time_point at(std::chrono::milliseconds ms) {
  return Breaker::Clock::time_point(std::chrono::hours(1) + ms);
}

}  // namespace

TEST_CASE("cb expression: functions, comparisons and their arguments") {
  FakeStats s;
  Expression e = parse("NetworkErrorRatio() > 0.5");
  s.net = 0.5;
  CHECK_FALSE(e.evaluate(s));
  s.net = 0.51;
  CHECK(e.evaluate(s));

  e = parse("ResponseCodeRatio(500, 600, 0, 600) >= 0.25");
  s.ratio = 0.25;
  CHECK(e.evaluate(s));
  CHECK(s.last_num == CodeRange{500, 600});
  CHECK(s.last_den == CodeRange{0, 600});
  CHECK(e.codeRanges().size() == 2);
  CHECK_FALSE(e.usesLatency());

  e = parse("LatencyAtQuantileMS(50.0) > 100");
  s.latency = 100;
  CHECK_FALSE(e.evaluate(s));
  s.latency = 101;
  CHECK(e.evaluate(s));
  CHECK(s.last_percent == doctest::Approx(50.0));
  CHECK(e.usesLatency());

  for (auto [text, want] : std::vector<std::pair<const char*, bool>>{
           {"NetworkErrorRatio() < 0.6", true},
           {"NetworkErrorRatio() <= 0.51", true},
           {"NetworkErrorRatio() == 0.51", true},
           {"NetworkErrorRatio() != 0.51", false},
           {"0.6 > NetworkErrorRatio()", true},
       }) {
    CAPTURE(text);
    s.net = 0.51;
    CHECK(parse(text).evaluate(s) == want);
  }
}

TEST_CASE("cb expression: && binds tighter than ||, parentheses group") {
  FakeStats s;
  s.net = 1;       // NetworkErrorRatio() > 0.5 is true
  s.latency = 10;  // LatencyAtQuantileMS(...) > 100 is false
  s.ratio = 0;     // ResponseCodeRatio(...) > 0.5 is false
  const char* net = "NetworkErrorRatio() > 0.5";
  const char* lat = "LatencyAtQuantileMS(99) > 100";
  const char* rc = "ResponseCodeRatio(500, 600, 0, 600) > 0.5";
  auto text = [](std::string a) { return a; };
  CHECK(parse(text(net) + " || " + lat + " && " + rc).evaluate(s));  // net || (lat && rc)
  CHECK_FALSE(parse("(" + text(net) + " || " + lat + ") && " + rc).evaluate(s));
  CHECK(parse(text(lat) + " || " + net).evaluate(s));
  CHECK_FALSE(parse(text(net) + " && " + lat).evaluate(s));
  CHECK(parse("  " + text(net) + "  ").evaluate(s));
}

TEST_CASE("cb expression: errors name what was expected and where") {
  CHECK(parseError("") ==
        "position 1 (end of expression): expected a number or "
        "NetworkErrorRatio(), ResponseCodeRatio(...), LatencyAtQuantileMS(...)");
  CHECK(parseError("NetworkErrorRatio()") ==
        "position 20 (end of expression): expected a comparison (<, <=, >, >=, ==, !=)");
  CHECK(parseError("Foo() > 1").find("position 1: unknown function \"Foo\"") == 0);
  CHECK(parseError("NetworkErrorRatio() > 0.5 &&").find("position 29 (end of expression)") == 0);
  CHECK(parseError("NetworkErrorRatio() > 0.5 and 1 > 0") ==
        "position 27: expected && or || or the end of the expression");
  CHECK(parseError("ResponseCodeRatio(500, 600) > 0.5") ==
        "position 1: ResponseCodeRatio takes 4 arguments, got 2");
  CHECK(parseError("ResponseCodeRatio(600, 500, 0, 600) > 0.5") ==
        "position 1: ResponseCodeRatio ranges need from < to");
  CHECK(parseError("LatencyAtQuantileMS(0) > 5") ==
        "position 1: LatencyAtQuantileMS takes a percentile in (0, 100]");
  CHECK(parseError("(NetworkErrorRatio() > 0.5") == "position 27 (end of expression): expected )");
  CHECK(parseError("NetworkErrorRatio() > x").find("position 23: unknown function \"x\"") == 0);
  CHECK(
      parseError("ResponseCodeRatio(500, 6x0, 0, 600) > 1").find("position 25: expected , or )") ==
      0);
  CHECK(parseError("NetworkErrorRatio(1) > 0.5") ==
        "position 1: NetworkErrorRatio takes 0 arguments, got 1");
}

TEST_CASE("cb window: ratios over ten seconds, empty is zero") {
  Window w({{500, 600}, {0, 600}}, true);
  auto t0 = at(0ms);
  CHECK(w.totals(t0).networkErrorRatio() == 0);
  CHECK(w.totals(t0).responseCodeRatio({500, 600}, {0, 600}) == 0);
  CHECK(w.totals(t0).latencyAtQuantileMs(50) == 0);
  for (int i = 0; i < 3; ++i) {
    w.record(t0, 200, 10ms);
  }
  w.record(t0 + 500ms, 502, 200ms);
  auto t = w.totals(t0 + 900ms);
  CHECK(t.total == 4);
  CHECK(t.networkErrorRatio() == doctest::Approx(0.25));
  CHECK(t.responseCodeRatio({500, 600}, {0, 600}) == doctest::Approx(0.25));
  CHECK(t.latencyAtQuantileMs(50) == doctest::Approx(10).epsilon(0.15));
  CHECK(t.latencyAtQuantileMs(99) == doctest::Approx(200).epsilon(0.15));
  // Nine seconds later the samples still count; eleven seconds later they have left the window.
  CHECK(w.totals(t0 + 9500ms).total == 4);
  CHECK(w.totals(t0 + 11s).total == 0);
  // A bucket reused ten seconds later starts from zero.
  w.record(t0 + 10s, 200, 1ms);
  CHECK(w.totals(t0 + 10s).total == 1);
  w.reset();
  CHECK(w.totals(t0 + 10s).total == 0);
}

TEST_CASE("cb window: latency bins are monotonic and within 12.5 %") {
  std::size_t last = 0;
  for (std::uint64_t us :
       {0ull, 1ull, 15ull, 16ull, 17ull, 100ull, 1000ull, 123456ull, 99999999ull}) {
    std::size_t bin = Window::binOf(us);
    CHECK(bin >= last);
    last = bin;
    double mid = static_cast<double>(Window::binMidpoint(bin));
    CHECK(mid == doctest::Approx(static_cast<double>(us)).epsilon(0.125));
  }
  CHECK(Window::binOf(~0ull) == Window::kBins - 1);
}

TEST_CASE("cb breaker: standby -> tripped -> recovering -> standby") {
  Breaker::Settings s;
  s.check_period = 100ms;
  s.fallback = 10s;
  s.recovery = 10s;
  Breaker b(parse("ResponseCodeRatio(500, 600, 0, 600) > 0.5"), s);
  auto t = at(0ms);
  CHECK(b.allow(t));
  b.record(t, 200, 1ms);  // the first check happens now: ratio 0
  CHECK(b.state() == Breaker::State::Standby);
  b.record(t + 10ms, 500, 1ms);
  b.record(t + 20ms, 500, 1ms);  // 2/3 > 0.5 but the next check is only due at +100ms
  CHECK(b.state() == Breaker::State::Standby);
  b.record(t + 100ms, 500, 1ms);
  CHECK(b.state() == Breaker::State::Tripped);
  CHECK_FALSE(b.allow(t + 200ms));
  CHECK_FALSE(b.allow(t + 10099ms));
  // Fallback over: recovering lets a growing share through.
  int allowed_early = 0, allowed_late = 0;
  for (int i = 0; i < 100; ++i) {
    allowed_early += b.allow(t + 10100ms + std::chrono::milliseconds(i * 10)) ? 1 : 0;  // ~1 s in
  }
  CHECK(b.state() == Breaker::State::Recovering);
  for (int i = 0; i < 100; ++i) {
    allowed_late += b.allow(t + 19000ms + std::chrono::milliseconds(i)) ? 1 : 0;  // ~9 s in
  }
  CHECK(allowed_early < 20);
  CHECK(allowed_late > allowed_early);
  // Recovery over: standby, everything passes. The window was reset when it tripped.
  CHECK(b.allow(t + 20200ms));
  CHECK(b.state() == Breaker::State::Standby);
  b.record(t + 20300ms, 200, 1ms);
  CHECK(b.state() == Breaker::State::Standby);
}

TEST_CASE("cb breaker: a failing recovery trips again") {
  Breaker::Settings s;
  s.fallback = 1s;
  s.recovery = 10s;
  Breaker b(parse("NetworkErrorRatio() > 0.5"), s);
  auto t = at(0ms);
  b.record(t, 502, 1ms);
  CHECK(b.state() == Breaker::State::Tripped);
  CHECK_FALSE(b.allow(t + 500ms));
  CHECK_FALSE(b.allow(t + 1000ms));  // enters recovering; the very first one is held back
  CHECK(b.state() == Breaker::State::Recovering);
  b.record(t + 5000ms, 504, 1ms);
  CHECK(b.state() == Breaker::State::Tripped);
  CHECK_FALSE(b.allow(t + 5500ms));
}

TEST_CASE("circuitBreaker kind: refuses with responseCode while tripped, observes outcomes") {
  auto chain = mustBuild(R"(
    cb: {circuitBreaker: {expression: "NetworkErrorRatio() > 0.5", responseCode: 529, fallbackDuration: 1h}}
)",
                         {"cb@file"});
  CHECK(chain->observesExchangeEnd());
  Exchange ex("/");
  CHECK(ex.go(chain) == Verdict::Continue);
  ex.run.reportOutcome({502, 1ms});  // trips at the first check
  Exchange ex2("/");
  CHECK(ex2.go(chain) == Verdict::Answer);
  CHECK(ex2.answer.status == 529);
  CHECK(ex2.ah("Content-Type") == "text/plain; charset=utf-8");
  // Refused exchanges are not the breaker's to observe (nothing ran past it).
  ex2.run.reportOutcome({200, 1ms});
  CHECK(Exchange("/").go(chain) == Verdict::Answer);
}

TEST_CASE("circuitBreaker kind: configuration errors name the middleware and the position") {
  std::string err = buildError(R"(
    cb: {circuitBreaker: {expression: "NetworkErrorRatio() >> 0.5"}}
)",
                               {"cb@file"});
  CHECK(err.find("middleware \"cb@file\": circuitBreaker.expression:") == 0);
  CHECK(err.find("\"NetworkErrorRatio() >> 0.5\": position 22: expected a number") !=
        std::string::npos);
  err = buildError(R"(
    cb: {circuitBreaker: {checkPeriod: 1s}}
)",
                   {"cb@file"});
  CHECK(err.find("middleware \"cb@file\": circuitBreaker.expression: expected an expression") == 0);
  err = buildError(R"(
    cb: {circuitBreaker: {expression: "NetworkErrorRatio() > 0.5", responseCode: 42}}
)",
                   {"cb@file"});
  CHECK(err.find("circuitBreaker.responseCode") != std::string::npos);
}

TEST_CASE("retry kind: policy, back-off progression and errors") {
  auto chain = mustBuild(R"(
    r: {retry: {attempts: 3, initialInterval: 100ms}}
    s: {stripPrefix: {prefixes: [/a]}}
)",
                         {"s@file", "r@file"});
  const middleware::RetryPolicy* p = chain->retryPolicy();
  REQUIRE(p != nullptr);
  CHECK(p->attempts == 3);
  CHECK(p->max_request_body_bytes == 2 * 1024 * 1024);
  // The waits grow from initialInterval to 2 x initialInterval at the last retry.
  CHECK(p->backoff(1) == 100ms);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(p->backoff(2)).count() == 141);
  CHECK(Exchange("/a/x").go(chain) == Verdict::Continue);
  middleware::RetryPolicy none;
  none.attempts = 3;
  CHECK(none.backoff(1).count() == 0);
  CHECK(middleware::isIdempotentMethod("GET"));
  CHECK_FALSE(middleware::isIdempotentMethod("POST"));
  CHECK(mustBuild("    s: {stripPrefix: {prefixes: [/a]}}\n", {"s@file"})->retryPolicy() ==
        nullptr);

  CHECK(buildError("    r: {retry: {attempts: 0}}\n", {"r@file"})
            .find("middleware \"r@file\": retry.attempts: expected a number of attempts") == 0);
  CHECK(buildError("    r: {retry: {attempts: 2, status: [\"500\"]}}\n", {"r@file"})
            .find("not supported by Pier yet") != std::string::npos);
  auto big = mustBuild("    r: {retry: {attempts: 2, maxRequestBodyBytes: 10}}\n", {"r@file"});
  CHECK(big->retryPolicy()->max_request_body_bytes == 10);
}
