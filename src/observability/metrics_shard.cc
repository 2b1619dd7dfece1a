#include "observability/metrics_shard.h"

#include <cmath>

namespace pier::observability {
namespace {

// Single writer: a load and a store, no read-modify-write instruction (no lock prefix).
inline void bump(std::atomic<std::uint64_t>& a, std::uint64_t by) {
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

// Layout: scope 2 bits | entity 32 | code 16 | method 4 | protocol 4.
std::uint64_t SeriesKey::pack() const {
  auto code16 = static_cast<std::uint64_t>(static_cast<std::uint16_t>(code));
  return (static_cast<std::uint64_t>(scope) << 56) | (static_cast<std::uint64_t>(entity) << 24) |
         (code16 << 8) | (static_cast<std::uint64_t>(method) << 4) |
         static_cast<std::uint64_t>(protocol);
}

SeriesKey SeriesKey::unpack(std::uint64_t p) {
  SeriesKey k;
  k.scope = static_cast<Scope>((p >> 56) & 0x3);
  k.entity = static_cast<std::uint32_t>((p >> 24) & 0xffffffffu);
  k.code = static_cast<int>((p >> 8) & 0xffff);
  k.method = static_cast<Method>((p >> 4) & 0xf);
  k.protocol = static_cast<Protocol>(p & 0xf);
  return k;
}

MetricsShard::MetricsShard(const std::vector<double>& bucket_bounds_s, std::size_t entry_points,
                           ScopeSwitches scopes)
    : scopes_(scopes),
      entry_points_(entry_points),
      open_(new OpenCount[entry_points + 1]),
      totals_(new std::atomic<TotalCell*>[kTotalChunks]) {
  for (std::size_t c = 0; c < kTotalChunks; ++c) {
    totals_[c].store(nullptr, std::memory_order_relaxed);
  }
  bounds_ns_.reserve(bucket_bounds_s.size());
  for (double b : bucket_bounds_s) {
    bounds_ns_.push_back(b <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(b * 1e9)));
  }
}

MetricsShard::~MetricsShard() {
  Cell* c = head_.load(std::memory_order_relaxed);
  while (c != nullptr) {
    Cell* next = c->next;
    delete c;
    c = next;
  }
  for (std::size_t i = 0; i < kTotalChunks; ++i) {
    delete[] totals_[i].load(std::memory_order_relaxed);
  }
}

MetricsShard::Cell& MetricsShard::cell(std::uint64_t key) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    return *it->second;
  }
  auto* c = new Cell(key, bounds_ns_.size());
  c->next = head_.load(std::memory_order_relaxed);
  head_.store(c, std::memory_order_release);  // scrapers see a fully built cell
  index_.emplace(key, c);
  return *c;
}

void MetricsShard::add(const RequestSample& s, Scope scope, std::uint32_t entity,
                       std::size_t bucket) {
  SeriesKey key{scope, entity, s.code, s.method, s.protocol};
  Cell& c = cell(key.pack());
  bump(c.requests, 1);
  bump(c.request_bytes, s.request_bytes);
  bump(c.response_bytes, s.response_bytes);
  bump(c.duration_ns, s.duration_ns);
  if (bucket < c.buckets.size()) {
    bump(c.buckets[bucket], 1);
  }
}

void MetricsShard::addRouterTotal(std::uint32_t router, int code) {
  std::size_t c = router / kTotalChunk;
  if (c >= kTotalChunks) {
    return;
  }
  TotalCell* chunk = totals_[c].load(std::memory_order_relaxed);  // only the owner stores
  if (chunk == nullptr) {
    chunk = new TotalCell[kTotalChunk];
    totals_[c].store(chunk, std::memory_order_release);  // readers see zeroed cells
  }
  TotalCell& cell = chunk[router % kTotalChunk];
  if (code >= 500 && code <= 599) {
    bump(cell.errors, 1);
  }
  bump(cell.requests, 1);
}

void MetricsShard::record(const RequestSample& s) {
  if (s.router != kNoSeries) {
    addRouterTotal(s.router, s.code);
  }
  std::size_t bucket = 0;
  while (bucket < bounds_ns_.size() && s.duration_ns > bounds_ns_[bucket]) {
    ++bucket;
  }
  if (scopes_.entry_points) {
    add(s, Scope::EntryPoint, s.entry_point, bucket);
  }
  if (scopes_.routers && s.router != kNoSeries) {
    add(s, Scope::Router, s.router, bucket);
  }
  if (scopes_.services && s.service != kNoSeries) {
    add(s, Scope::Service, s.service, bucket);
    if (s.retries > 0) {
      Cell& c = cell(SeriesKey{Scope::Retries, s.service, 0, Method::Get, Protocol::Http}.pack());
      bump(c.requests, s.retries);
    }
  }
}

void MetricsShard::addOpen(std::size_t entry_point, std::int64_t delta) {
  if (entry_point < entry_points_) {
    auto& v = open_[entry_point].value;
    v.store(v.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
}

std::int64_t MetricsShard::openConnections(std::size_t entry_point) const {
  return entry_point < entry_points_ ? open_[entry_point].value.load(std::memory_order_relaxed) : 0;
}

MetricsShard::SeriesValues MetricsShard::snapshotOf(const Cell& c) const {
  SeriesValues v;
  v.key = SeriesKey::unpack(c.key);
  v.requests = c.requests.load(std::memory_order_relaxed);
  v.request_bytes = c.request_bytes.load(std::memory_order_relaxed);
  v.response_bytes = c.response_bytes.load(std::memory_order_relaxed);
  v.duration_ns = c.duration_ns.load(std::memory_order_relaxed);
  v.buckets.reserve(c.buckets.size());
  for (const auto& b : c.buckets) {
    v.buckets.push_back(b.load(std::memory_order_relaxed));
  }
  return v;
}

}  // namespace pier::observability
