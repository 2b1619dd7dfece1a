// rateLimit: a token bucket per source (average/period tokens a second, `burst` deep). A request
// that finds the bucket empty is refused with 429, Retry-After and X-Retry-In unless its wait
// would be within Traefik's small maxDelay, in which case it is served at once and the bucket
// goes into debt by that amount (Traefik sleeps for the wait instead; the long-run rate is the
// same).
#include "middleware/rate_limit.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "middleware/source_criterion.h"
#include "middleware/source_table.h"

namespace pier::middleware {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::int64_t average = 0;
  config::Duration period = std::chrono::seconds(1);
  std::int64_t burst = 1;
  std::optional<SourceCriterionOptions> source_criterion;
  config::Node redis;  // Traefik's distributed mode: not supported (rejected below)
};

template <class V>
void describe(V& v, Options& o) {
  v("average", o.average);
  v("period", o.period);
  v("burst", o.burst);
  v("sourceCriterion", o.source_criterion);
  v("redis", o.redis);
}

struct Bucket {
  double tokens = 0;
  Clock::time_point last{};
  bool fresh = true;
};

// Go's time.Duration.String() for the X-Retry-In header.
std::string goDuration(double seconds) {
  char buf[64];
  if (seconds < 1e-6) {
    std::snprintf(buf, sizeof buf, "%.0fns", seconds * 1e9);
  } else if (seconds < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3f", seconds * 1e6);
  } else if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.6f", seconds * 1e3);
  } else {
    auto total = static_cast<long long>(seconds);
    double frac = seconds - static_cast<double>(total);
    long long h = total / 3600;
    long long m = (total % 3600) / 60;
    double s = static_cast<double>(total % 60) + frac;
    std::string out;
    if (h > 0) {
      out += std::to_string(h) + "h";
    }
    if (h > 0 || m > 0) {
      out += std::to_string(m) + "m";
    }
    std::snprintf(buf, sizeof buf, "%.9f", s);
    std::string sec = buf;
    while (sec.back() == '0') {
      sec.pop_back();
    }
    if (sec.back() == '.') {
      sec.pop_back();
    }
    return out + sec + "s";
  }
  std::string out = buf;
  if (out.find('.') != std::string::npos && seconds >= 1e-6) {
    while (out.back() == '0') {
      out.pop_back();
    }
    if (out.back() == '.') {
      out.pop_back();
    }
  }
  if (seconds >= 1e-6) {
    out += seconds < 1e-3 ? "\xC2\xB5s" : "ms";
  }
  return out;
}

class RateLimit final : public Middleware {
 public:
  RateLimit(std::string name, double rate, double burst, double max_delay, SourceExtractor source)
      : Middleware(std::move(name)),
        rate_(rate),
        burst_(burst),
        max_delay_(max_delay),
        source_(std::move(source)) {}
  std::string_view kind() const override { return "rateLimit"; }

  Verdict onRequest(RequestContext& ctx) const override {
    if (rate_ <= 0) {
      return Verdict::Continue;  // average 0: unlimited
    }
    std::string key = source_.extract(ctx.head, ctx.peer);
    Clock::time_point now = Clock::now();
    double wait = buckets_.with(key, [&](Bucket& b) {
      if (b.fresh) {
        b.fresh = false;
        b.tokens = burst_;
        b.last = now;
      }
      double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.last = now;
      b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
      double after = b.tokens - 1;
      double need = after < 0 ? -after / rate_ : 0;
      if (need <= max_delay_) {
        b.tokens = after;
      }
      return need;
    });
    // Idle buckets refill to full: dropping them changes nothing, and bounds memory.
    buckets_.sweepShardOf(key, 1024, [&](const Bucket& b) {
      double idle = std::chrono::duration<double>(now - b.last).count();
      return b.tokens + idle * rate_ < burst_;
    });
    if (wait <= max_delay_) {
      return Verdict::Continue;
    }
    char retry[32];
    std::snprintf(retry, sizeof retry, "%.0f", std::ceil(wait));
    ctx.answer.status = 429;
    ctx.answer.headers.clear();
    ctx.answer.headers.set("Retry-After", retry);
    ctx.answer.headers.set("X-Retry-In", goDuration(wait));
    ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
    ctx.answer.body = "Too Many Requests";
    return Verdict::Answer;
  }

 private:
  double rate_;  // tokens per second
  double burst_;
  double max_delay_;  // seconds
  SourceExtractor source_;
  mutable SourceTable<Bucket> buckets_;
};

}  // namespace

Result<MiddlewarePtr> makeRateLimit(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (!o->redis.isNull()) {
    return fail(optionError(b, "redis", "the Redis-backed rate limiter is not supported by Pier"));
  }
  if (o->average < 0) {
    return fail(optionError(b, "average", "expected a number of requests >= 0"));
  }
  if (o->period.count() < 0) {
    return fail(optionError(b, "period", "expected a positive duration"));
  }
  double period = o->period.count() == 0 ? 1.0 : std::chrono::duration<double>(o->period).count();
  double rate = static_cast<double>(o->average) / period;
  double burst = o->burst < 1 ? 1.0 : static_cast<double>(o->burst);
  // Traefik: the wait a request may be delayed by is 1/(2*rate), or 500 ms below 1 request/s.
  double max_delay = rate <= 0 ? 0 : rate < 1 ? 0.5 : 1.0 / (2.0 * std::floor(rate));
  auto source = SourceExtractor::make(b, o->source_criterion, false);
  if (!source) {
    return fail(source.error());
  }
  return std::make_shared<RateLimit>(b.name, rate, burst, max_delay, std::move(*source));
}

}  // namespace pier::middleware
