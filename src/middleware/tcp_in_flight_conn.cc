// TCP inFlightConn: one counter per client IP, shared by every worker (SourceTable: a lock per
// shard, taken twice per connection, never per byte). A connection over the limit is closed
// before Pier dials the server.
#include "middleware/tcp_in_flight_conn.h"

#include "middleware/source_table.h"

namespace pier::middleware {
namespace {

struct Options {
  std::int64_t amount = 0;
};

template <class V>
void describe(V& v, Options& o) {
  v("amount", o.amount);
}

class TcpInFlightConn final : public TcpMiddleware {
 public:
  TcpInFlightConn(std::string name, std::int64_t amount)
      : TcpMiddleware(std::move(name)), amount_(amount) {}
  std::string_view kind() const override { return "inFlightConn"; }
  bool holdsSlot() const override { return true; }

  bool admit(const base::IpAddress& peer) const override {
    return counts_.with(peer.toString(), [&](std::int64_t& n) {
      if (n >= amount_) {
        return false;
      }
      ++n;
      return true;
    });
  }

  void release(const base::IpAddress& peer) const override {
    // The entry goes when its last connection ends, so the table holds only open sources.
    counts_.eraseIf(peer.toString(), [](std::int64_t& n) { return --n <= 0; });
  }

 private:
  std::int64_t amount_;
  mutable SourceTable<std::int64_t> counts_;
};

}  // namespace

Result<TcpMiddlewarePtr> makeTcpInFlightConn(const BuildContext& b) {
  auto o = decodeOptions<Options>(b);
  if (!o) {
    return fail(o.error());
  }
  if (o->amount <= 0) {
    return fail(
        optionError(b, "amount",
                    "expected a positive number of connections, got " + std::to_string(o->amount)));
  }
  return std::make_shared<TcpInFlightConn>(b.name, o->amount);
}

}  // namespace pier::middleware
