// inFlightReq: at most `amount` requests in progress per source (request host by default);
// above that, 429. A slot is held until the exchange ends (response sent or connection gone).
#include "middleware/in_flight_req.h"

#include "middleware/source_criterion.h"
#include "middleware/source_table.h"

namespace pier::middleware {
namespace {

struct Options {
  std::int64_t amount = 0;
  std::optional<SourceCriterionOptions> source_criterion;
};

template <class V>
void describe(V& v, Options& o) {
  v("amount", o.amount);
  v("sourceCriterion", o.source_criterion);
}

class InFlightReq final : public Middleware {
 public:
  InFlightReq(std::string name, std::int64_t amount, SourceExtractor source)
      : Middleware(std::move(name)), amount_(amount), source_(std::move(source)) {}
  std::string_view kind() const override { return "inFlightReq"; }

  Verdict onRequest(RequestContext& ctx) const override {
    std::string key = source_.extract(ctx.head, ctx.peer);
    bool acquired = counts_.with(key, [&](std::int64_t& n) {
      if (n >= amount_) {
        return false;
      }
      ++n;
      return true;
    });
    if (!acquired) {
      ctx.answer.status = 429;
      ctx.answer.headers.clear();
      ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
      ctx.answer.body = "max connections reached: " + std::to_string(amount_);
      return Verdict::Answer;
    }
    ctx.cleanups.push_back({shared_from_this(), std::move(key)});
    return Verdict::Continue;
  }

  void release(const std::string& key) const override {
    counts_.eraseIf(key, [](std::int64_t& n) { return --n <= 0; });
  }

 private:
  std::int64_t amount_;
  SourceExtractor source_;
  mutable SourceTable<std::int64_t> counts_;
};

}  // namespace

Result<MiddlewarePtr> makeInFlightReq(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->amount < 0) {
    return fail(optionError(b, "amount", "expected a number of requests >= 0"));
  }
  auto source = SourceExtractor::make(b, o->source_criterion, true);
  if (!source) {
    return fail(source.error());
  }
  return std::make_shared<InFlightReq>(b.name, o->amount, std::move(*source));
}

}  // namespace pier::middleware
