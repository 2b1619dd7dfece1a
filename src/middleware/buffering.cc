// buffering: the request phase asks the proxy to read the whole request body before it opens
// the upstream request (RequestContext::buffer_request; the proxy sends it with a
// Content-Length and answers 413 past the limit). The response phase returns a body filter
// that holds the head and the whole body, then sends them unchanged, or has the proxy answer
// 500 when the body grows past maxResponseBodyBytes (as Traefik/oxy).
//
// Pier keeps both bodies in memory: memRequestBodyBytes and memResponseBodyBytes (Traefik's
// thresholds for spilling to a temporary file) are accepted and not used. retryExpression needs
// request replay, which the proxy does not have yet: a configuration that sets it is refused.
#include "middleware/buffering.h"

#include "base/strings.h"

namespace pier::middleware {
namespace {

struct Options {
  std::int64_t max_request_body_bytes = 0;
  std::int64_t mem_request_body_bytes = 1 << 20;
  std::int64_t max_response_body_bytes = 0;
  std::int64_t mem_response_body_bytes = 1 << 20;
  std::string retry_expression;
};

template <class V>
void describe(V& v, Options& o) {
  v("maxRequestBodyBytes", o.max_request_body_bytes);
  v("memRequestBodyBytes", o.mem_request_body_bytes);
  v("maxResponseBodyBytes", o.max_response_body_bytes);
  v("memResponseBodyBytes", o.mem_response_body_bytes);
  v("retryExpression", o.retry_expression);
}

class ResponseBuffer final : public BodyFilter {
 public:
  explicit ResponseBuffer(std::int64_t max) : max_(static_cast<std::uint64_t>(max)) {}

  State start(http::ResponseHead& head) override {
    if (const std::string* cl = head.headers.get("Content-Length")) {
      unsigned long long n = 0;
      if (base::parseUint64(base::trim(*cl), n) && n == 0) {
        return State::Pass;  // nothing to hold
      }
      if (max_ > 0 && n > max_) {
        return State::Reject;  // known to be too big: no need to read it first
      }
    }
    return State::Holding;
  }

  State write(std::string_view data, http::ResponseHead&, std::string&) override {
    if (max_ > 0 && body_.size() + data.size() > max_) {
      body_.clear();
      body_.shrink_to_fit();
      return State::Reject;
    }
    body_.append(data);
    return State::Holding;
  }

  State finish(http::ResponseHead&, std::string& out) override {
    out += body_;
    return State::Pass;
  }

 private:
  std::uint64_t max_;  // 0: no limit
  std::string body_;
};

class Buffering final : public Middleware {
 public:
  Buffering(std::string name, const Options& o)
      : Middleware(std::move(name)),
        max_request_(o.max_request_body_bytes),
        max_response_(o.max_response_body_bytes) {}
  std::string_view kind() const override { return "buffering"; }

  Verdict onRequest(RequestContext& ctx) const override {
    ctx.buffer_request.enabled = true;
    ctx.buffer_request.max_bytes = max_request_;
    return Verdict::Continue;
  }
  bool hasResponseHook() const override { return true; }
  std::unique_ptr<BodyFilter> bodyFilter(const ResponseContext&,
                                         http::ResponseHead&) const override {
    return std::make_unique<ResponseBuffer>(max_response_);
  }

 private:
  std::int64_t max_request_;
  std::int64_t max_response_;
};

}  // namespace

Result<MiddlewarePtr> makeBuffering(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  struct Check {
    const char* name;
    std::int64_t value;
  };
  for (Check c : {Check{"maxRequestBodyBytes", o->max_request_body_bytes},
                  Check{"memRequestBodyBytes", o->mem_request_body_bytes},
                  Check{"maxResponseBodyBytes", o->max_response_body_bytes},
                  Check{"memResponseBodyBytes", o->mem_response_body_bytes}}) {
    if (c.value < 0) {
      return fail(optionError(b, c.name, "expected a number of bytes >= 0"));
    }
  }
  if (!base::trim(o->retry_expression).empty()) {
    return fail(optionError(b, "retryExpression",
                            "not supported by Pier yet (see docs/differences.md); use the retry "
                            "middleware when it lands"));
  }
  return std::make_shared<Buffering>(b.name, *o);
}

}  // namespace pier::middleware
