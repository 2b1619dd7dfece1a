// One worker's request counters (issue #5): plain counters written only by their worker and read
// by a scrape on another thread with relaxed atomics. Nothing here is shared between workers, so
// the request path takes no lock and touches no other worker's cache lines.
//
// A series (scope + entity + code + method + protocol) lives in a Cell found through a map only
// the worker touches; a new cell is published to scrapers by pushing it on a lock-free list
// (release store, acquire load). Cells live as long as the shard: series are never removed.
// Thread: record/connection* on the owning worker; forEach*/openConnections on any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "observability/request_labels.h"

namespace pier::observability {

inline constexpr std::uint32_t kNoSeries = 0xffffffffu;

enum class Scope : std::uint8_t { EntryPoint = 0, Router = 1, Service = 2, Retries = 3 };

// What one finished exchange contributes.
struct RequestSample {
  std::uint32_t entry_point = 0;      // entry point index
  std::uint32_t router = kNoSeries;   // MetricsRegistry router id (router + its service)
  std::uint32_t service = kNoSeries;  // MetricsRegistry service id
  int code = 0;                       // status sent to the client
  Method method = Method::Get;
  Protocol protocol = Protocol::Http;
  std::uint64_t request_bytes = 0;   // request body bytes read
  std::uint64_t response_bytes = 0;  // response body bytes sent
  std::uint64_t duration_ns = 0;
  std::uint32_t retries = 0;
};

// Which scopes are recorded (Traefik's add*Labels options).
struct ScopeSwitches {
  bool entry_points = true;
  bool routers = false;
  bool services = true;
};

struct SeriesKey {
  Scope scope = Scope::EntryPoint;
  std::uint32_t entity = 0;
  int code = 0;
  Method method = Method::Get;
  Protocol protocol = Protocol::Http;

  std::uint64_t pack() const;
  static SeriesKey unpack(std::uint64_t packed);
  bool operator==(const SeriesKey&) const = default;
};

class MetricsShard {
 public:
  // `bucket_bounds_s`: upper bounds of the duration histogram in seconds, ascending.
  MetricsShard(const std::vector<double>& bucket_bounds_s, std::size_t entry_points,
               ScopeSwitches scopes);
  ~MetricsShard();
  MetricsShard(const MetricsShard&) = delete;
  MetricsShard& operator=(const MetricsShard&) = delete;

  void record(const RequestSample& sample);
  void connectionOpened(std::size_t entry_point) { addOpen(entry_point, 1); }
  void connectionClosed(std::size_t entry_point) { addOpen(entry_point, -1); }

  // A consistent-enough copy of one series for a scrape (each number is exact at some instant).
  struct SeriesValues {
    SeriesKey key;
    std::uint64_t requests = 0;
    std::uint64_t request_bytes = 0;
    std::uint64_t response_bytes = 0;
    std::uint64_t duration_ns = 0;
    std::vector<std::uint64_t> buckets;  // per bucket, not cumulative; size = bounds
  };
  template <class F>
  void forEachSeries(F&& f) const {
    for (const Cell* c = head_.load(std::memory_order_acquire); c != nullptr; c = c->next) {
      f(snapshotOf(*c));
    }
  }
  std::int64_t openConnections(std::size_t entry_point) const;
  std::size_t bucketCount() const { return bounds_ns_.size(); }

  // Requests and 5xx answers per router series id, counted for every sample with a router
  // whatever the scope switches: the dashboard's live rates (/api/x-pier/stats). A flat array by
  // id, grown in chunks by the owner, so recording is two plain stores and never a hash lookup.
  // f(router id, requests, errors), from any thread.
  template <class F>
  void forEachRouterTotal(F&& f) const {
    for (std::size_t c = 0; c < kTotalChunks; ++c) {
      const TotalCell* chunk = totals_[c].load(std::memory_order_acquire);
      for (std::size_t i = 0; chunk != nullptr && i < kTotalChunk; ++i) {
        std::uint64_t requests = chunk[i].requests.load(std::memory_order_relaxed);
        if (requests != 0) {
          f(static_cast<std::uint32_t>(c * kTotalChunk + i), requests,
            chunk[i].errors.load(std::memory_order_relaxed));
        }
      }
    }
  }

 private:
  struct alignas(64) Cell {
    explicit Cell(std::uint64_t k, std::size_t buckets) : key(k), buckets(buckets) {}
    std::uint64_t key;
    Cell* next = nullptr;
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> request_bytes{0};
    std::atomic<std::uint64_t> response_bytes{0};
    std::atomic<std::uint64_t> duration_ns{0};
    std::vector<std::atomic<std::uint64_t>> buckets;
  };
  static constexpr std::size_t kTotalChunk = 256;
  static constexpr std::size_t kTotalChunks = 4096;  // router ids below 1,048,576 are counted
  struct TotalCell {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> errors{0};
  };
  struct alignas(64) OpenCount {
    std::atomic<std::int64_t> value{0};
  };

  Cell& cell(std::uint64_t key);
  void add(const RequestSample& s, Scope scope, std::uint32_t entity, std::size_t bucket);
  void addOpen(std::size_t entry_point, std::int64_t delta);
  void addRouterTotal(std::uint32_t router, int code);
  SeriesValues snapshotOf(const Cell& c) const;

  std::vector<std::uint64_t> bounds_ns_;
  ScopeSwitches scopes_;
  std::size_t entry_points_;
  std::unique_ptr<OpenCount[]> open_;
  std::unordered_map<std::uint64_t, Cell*> index_;  // owner worker only
  std::atomic<Cell*> head_{nullptr};
  // Chunks of kTotalChunk cells, allocated by the owner on first use and published with a
  // release store; never freed before the shard.
  std::unique_ptr<std::atomic<TotalCell*>[]> totals_;
};

}  // namespace pier::observability
