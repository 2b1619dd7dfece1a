// The circuit breaker's statistics: a rolling window (10 one-second buckets, as oxy's) of request
// counts, network errors (502 and 504, oxy's definition), counts per status range the expression
// reads, and a latency histogram when it reads one. Every worker records into the same buckets
// with relaxed atomics (no lock on the request path); the breaker's periodic check sums them.
// A bucket is recycled by whoever first records into it in a new second: a sample racing with
// that reset may be lost, which the ratios tolerate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "middleware/cb_expression.h"

namespace pier::middleware::cb {

class Window {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kBuckets = 10;
  static constexpr std::chrono::seconds kBucketWidth{1};

  Window(std::vector<CodeRange> ranges, bool latency);

  void record(Clock::time_point now, int status, std::chrono::nanoseconds latency);
  // Forgets everything (the breaker trips: oxy starts counting afresh).
  void reset();

  // The sums over the window ending at `now`, readable as expression Stats.
  class Totals final : public Stats {
   public:
    double networkErrorRatio() const override;
    double responseCodeRatio(CodeRange num, CodeRange den) const override;
    double latencyAtQuantileMs(double percent) const override;

    std::uint64_t total = 0;
    std::uint64_t network_errors = 0;
    std::vector<CodeRange> ranges;
    std::vector<std::uint64_t> range_counts;  // parallel to ranges
    std::vector<std::uint64_t> latency_bins;  // empty unless the expression reads latency
  };
  Totals totals(Clock::time_point now) const;

  // Latency histogram bins over microseconds: exact below 16 us, then 8 bins per power of two
  // (at most 12.5 % error), up to ~19 hours.
  static std::size_t binOf(std::uint64_t micros);
  static std::uint64_t binMidpoint(std::size_t bin);
  static constexpr std::size_t kBins = 16 + 32 * 8;

 private:
  struct Bucket {
    std::atomic<std::int64_t> epoch{-1};  // which second it counts; -1 = empty
    std::atomic<std::uint64_t> total{0};
    std::atomic<std::uint64_t> network_errors{0};
    std::unique_ptr<std::atomic<std::uint64_t>[]> ranges;
    std::unique_ptr<std::atomic<std::uint64_t>[]> bins;
  };
  static std::int64_t epochOf(Clock::time_point now);
  Bucket& current(Clock::time_point now);

  std::vector<CodeRange> ranges_;
  bool latency_;
  Bucket buckets_[kBuckets];
};

}  // namespace pier::middleware::cb
