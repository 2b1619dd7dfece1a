// Route tables: routers sorted by spec C.4 order and indexed by host, matched per request.
// Thread: build() on the control thread; match() is const, allocation-free and lock-free, so one
// table is shared read-only by all workers through the snapshot.
//
// Order (spec C.4): priority descending, then provider precedence rank ascending (caller's
// number, lower wins), then qualified name ascending (Pier's deterministic tie-break).
// match() returns exactly what a linear scan in that order returns; the index only skips
// routes that cannot match: a rule whose every match requires Host == H sits in H's bucket,
// `*.suffix` rules in a suffix bucket, the rest in a generic list, and match() merges the
// request host's buckets with the generic list in global order.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "routing/http_matchers.h"
#include "routing/tcp_matchers.h"

namespace pier::routing {

// spec C.4 limits and the priorities of @internal routers.
inline constexpr std::int64_t kMaxPriority = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kMaxUserPriority = kMaxPriority - 1000;
inline constexpr std::int64_t kApiPriority = kMaxPriority - 1;        // also entry-point redirects
inline constexpr std::int64_t kDashboardPriority = kMaxPriority - 2;  // ping/prometheus/acme: max

struct HttpRoute {
  std::string name;           // qualified, e.g. api@file
  std::int64_t priority = 0;  // effective: use httpPriority() to apply the default
  int provider_rank = 0;      // position in providers.precedence; lower wins ties
  HttpRule rule;
  std::uint32_t target = 0;  // index into the caller's router array
};

struct TcpRoute {
  std::string name;
  std::int64_t priority = 0;  // effective: use tcpPriority()
  int provider_rank = 0;
  TcpRule rule;
  std::uint32_t target = 0;
};

// Routers whose order is decided only by the name tie-break (same priority, same provider
// rank) and whose host conditions may overlap. The caller logs one WARN per tie (spec C.4).
struct RouteTie {
  std::int64_t priority = 0;
  int provider_rank = 0;
  std::vector<std::string> names;  // in evaluation order
};

namespace detail {

// Host-keyed candidate lists over route positions 0..n-1 (positions are in evaluation order).
// Keys live in one flat open-addressing table (hash, key offset, bucket range per slot) so a
// lookup touches two or three cache lines however many hosts are configured.
class HostIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  void build(const std::vector<const HostConstraint*>& constraints);

  // First position p, in ascending order among the candidates for `host`, with
  // pred(p, exact_hit) true; exact_hit says p came from the bucket of `host` itself.
  template <typename Pred>
  std::uint32_t first(std::string_view host, Pred&& pred) const;

  std::size_t genericCount() const { return generic_.size(); }
  std::size_t exactKeyCount() const { return exact_.size; }
  std::size_t suffixKeyCount() const { return suffix_.size; }

  static std::uint64_t hashHost(std::string_view s);

 private:
  struct Range {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key_offset = 0;
    std::uint32_t key_size = kNone;  // kNone: empty slot
    Range ids;
  };
  struct Table {
    std::vector<Slot> slots;  // power-of-two size, at most half full
    std::size_t size = 0;
  };

  void fill(Table& table, const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>&);
  Range lookup(const Table& table, std::string_view key) const;

  Table exact_;
  Table suffix_;
  std::string keys_;                // all keys, lower-case, concatenated
  std::vector<std::uint32_t> ids_;  // exact and suffix buckets, concatenated
  std::vector<std::uint32_t> generic_;
};

template <typename Pred>
std::uint32_t HostIndex::first(std::string_view host, Pred&& pred) const {
  host = normalizeHost(host);
  Range a = lookup(exact_, host);
  Range b;
  if (suffix_.size != 0) {
    std::size_t dot = host.find('.');
    if (dot != std::string_view::npos) {
      b = lookup(suffix_, host.substr(dot + 1));
    }
  }
  const std::uint32_t* ids = ids_.data();
  std::uint32_t g = 0;
  const auto gn = static_cast<std::uint32_t>(generic_.size());
  while (true) {
    std::uint32_t ia = a.begin < a.end ? ids[a.begin] : kNone;
    std::uint32_t ib = b.begin < b.end ? ids[b.begin] : kNone;
    std::uint32_t ig = g < gn ? generic_[g] : kNone;
    std::uint32_t m = ia < ib ? ia : ib;
    m = ig < m ? ig : m;
    if (m == kNone) {
      return kNone;
    }
    bool exact_hit = ia == m;
    a.begin += exact_hit ? 1 : 0;  // a route may sit in both host buckets: evaluate it once
    b.begin += ib == m ? 1 : 0;
    g += ig == m ? 1 : 0;
    if (pred(m, exact_hit)) {
      return m;
    }
  }
}

}  // namespace detail

class HttpRouteTable {
 public:
  // Sorts `routes` into evaluation order, indexes them and records ties.
  static HttpRouteTable build(std::vector<HttpRoute> routes);

  // First route in evaluation order whose rule matches, or nullptr (then 404, spec G.5).
  const HttpRoute* match(const http::RequestView& req) const;
  // Reference implementation: linear scan in evaluation order (tests and benchmarks).
  const HttpRoute* matchLinear(const http::RequestView& req) const;

  const std::vector<HttpRoute>& routes() const { return routes_; }  // evaluation order
  const std::vector<RouteTie>& ties() const { return ties_; }
  const detail::HostIndex& index() const { return index_; }

 private:
  std::vector<HttpRoute> routes_;
  std::vector<std::uint8_t> host_only_;  // per position: rule is Host(a) [|| Host(b)...] only
  detail::HostIndex index_;
  std::vector<RouteTie> ties_;
};

class TcpRouteTable {
 public:
  static TcpRouteTable build(std::vector<TcpRoute> routes);

  const TcpRoute* match(const TcpRequestView& req) const;
  const TcpRoute* matchLinear(const TcpRequestView& req) const;

  const std::vector<TcpRoute>& routes() const { return routes_; }
  const std::vector<RouteTie>& ties() const { return ties_; }
  const detail::HostIndex& index() const { return index_; }

 private:
  std::vector<TcpRoute> routes_;
  std::vector<std::uint8_t> host_only_;
  detail::HostIndex index_;
  std::vector<RouteTie> ties_;
};

}  // namespace pier::routing
