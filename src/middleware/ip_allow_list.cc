// ipAllowList (and its deprecated alias ipWhiteList): only client IPs within sourceRange pass;
// the client IP comes from the ipStrategy (peer address by default).
#include "middleware/ip_allow_list.h"

#include "http/status.h"
#include "middleware/source_criterion.h"

namespace pier::middleware {
namespace {

struct Options {
  std::vector<std::string> source_range;
  std::optional<IpStrategyOptions> ip_strategy;
  int reject_status_code = 0;
};

template <class V>
void describe(V& v, Options& o) {
  v("sourceRange", o.source_range);
  v("ipStrategy", o.ip_strategy);
  v("rejectStatusCode", o.reject_status_code);
}

struct WhiteListOptions {
  std::vector<std::string> source_range;
  std::optional<IpStrategyOptions> ip_strategy;
};

template <class V>
void describe(V& v, WhiteListOptions& o) {
  v("sourceRange", o.source_range);
  v("ipStrategy", o.ip_strategy);
}

class IpAllowList final : public Middleware {
 public:
  IpAllowList(std::string name, std::string_view kind, base::IpRangeSet ranges, IpStrategy strategy,
              int status)
      : Middleware(std::move(name)),
        kind_(kind),
        ranges_(std::move(ranges)),
        strategy_(std::move(strategy)),
        status_(status) {}
  std::string_view kind() const override { return kind_; }

  Verdict onRequest(RequestContext& ctx) const override {
    if (strategy_.usesPeer()) {
      if (ranges_.contains(ctx.peer)) {
        return Verdict::Continue;  // the common case: no allocation
      }
    } else {
      std::string ip = strategy_.clientIp(ctx.head.headers, ctx.peer);
      auto parsed = base::IpAddress::parse(ip);
      if (parsed && ranges_.contains(*parsed)) {
        return Verdict::Continue;
      }
    }
    ctx.answer.status = status_;
    ctx.answer.headers.clear();
    ctx.answer.headers.set("Content-Type", "text/plain; charset=utf-8");
    ctx.answer.body.assign(http::reasonPhrase(status_));
    return Verdict::Answer;
  }

 private:
  std::string_view kind_;
  base::IpRangeSet ranges_;
  IpStrategy strategy_;
  int status_;
};

Result<MiddlewarePtr> build(const BuildContext& b, std::string_view kind,
                            const std::vector<std::string>& source_range,
                            const std::optional<IpStrategyOptions>& ip_strategy, int status) {
  if (source_range.empty()) {
    return fail(optionError(b, "sourceRange", "expected at least one IP address or CIDR range"));
  }
  base::IpRangeSet ranges;
  if (auto bad = ranges.assign(source_range)) {
    return fail(
        optionError(b, "sourceRange", "\"" + *bad + "\" is not an IP address or CIDR range"));
  }
  IpStrategy strategy;
  if (ip_strategy) {
    auto s = IpStrategy::make(b, "ipStrategy", *ip_strategy);
    if (!s) {
      return fail(s.error());
    }
    strategy = std::move(*s);
  }
  return std::make_shared<IpAllowList>(b.name, kind, std::move(ranges), std::move(strategy),
                                       status);
}

}  // namespace

Result<MiddlewarePtr> makeIpAllowList(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  int status = o->reject_status_code == 0 ? 403 : o->reject_status_code;
  if (status < 100 || status > 599 || http::reasonPhrase(status).empty()) {
    return fail(optionError(b, "rejectStatusCode",
                            "expected a known HTTP status code, got " + std::to_string(status)));
  }
  return build(b, "ipAllowList", o->source_range, o->ip_strategy, status);
}

Result<MiddlewarePtr> makeIpWhiteList(const BuildContext& b) {
  auto o = decodeOptions<WhiteListOptions>(b);
  if (!o) {
    return fail(o.error());
  }
  return build(b, "ipWhiteList", o->source_range, o->ip_strategy, 403);
}

}  // namespace pier::middleware
