// TCP ipAllowList: the peer address is the only source (TCP has no forwarding headers, so
// there is no ipStrategy, as in Traefik).
#include "middleware/tcp_ip_allow_list.h"

namespace pier::middleware {
namespace {

struct Options {
  std::vector<std::string> source_range;
};

template <class V>
void describe(V& v, Options& o) {
  v("sourceRange", o.source_range);
}

class TcpIpAllowList final : public TcpMiddleware {
 public:
  TcpIpAllowList(std::string name, base::IpRangeSet ranges)
      : TcpMiddleware(std::move(name)), ranges_(std::move(ranges)) {}
  std::string_view kind() const override { return "ipAllowList"; }
  bool admit(const base::IpAddress& peer) const override { return ranges_.contains(peer); }

 private:
  base::IpRangeSet ranges_;
};

}  // namespace

Result<TcpMiddlewarePtr> makeTcpIpAllowList(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->source_range.empty()) {
    return fail(optionError(b, "sourceRange", "expected at least one IP address or CIDR range"));
  }
  base::IpRangeSet ranges;
  if (auto bad = ranges.assign(o->source_range)) {
    return fail(
        optionError(b, "sourceRange", "\"" + *bad + "\" is not an IP address or CIDR range"));
  }
  return std::make_shared<TcpIpAllowList>(b.name, std::move(ranges));
}

}  // namespace pier::middleware
