#include "middleware/cb_window.h"

#include <bit>

namespace pier::middleware::cb {

Window::Window(std::vector<CodeRange> ranges, bool latency)
    : ranges_(std::move(ranges)), latency_(latency) {
  for (Bucket& b : buckets_) {
    if (!ranges_.empty()) {
      b.ranges = std::make_unique<std::atomic<std::uint64_t>[]>(ranges_.size());
    }
    if (latency_) {
      b.bins = std::make_unique<std::atomic<std::uint64_t>[]>(kBins);
    }
  }
}

std::int64_t Window::epochOf(Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() /
         kBucketWidth.count();
}

Window::Bucket& Window::current(Clock::time_point now) {
  std::int64_t epoch = epochOf(now);
  Bucket& b = buckets_[static_cast<std::size_t>(epoch % kBuckets)];
  std::int64_t seen = b.epoch.load(std::memory_order_acquire);
  if (seen != epoch && b.epoch.compare_exchange_strong(seen, epoch, std::memory_order_acq_rel)) {
    // We moved the bucket to this second: clear what it counted ten seconds ago.
    b.total.store(0, std::memory_order_relaxed);
    b.network_errors.store(0, std::memory_order_relaxed);
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
      b.ranges[i].store(0, std::memory_order_relaxed);
    }
    if (latency_) {
      for (std::size_t i = 0; i < kBins; ++i) {
        b.bins[i].store(0, std::memory_order_relaxed);
      }
    }
  }
  return b;
}

void Window::record(Clock::time_point now, int status, std::chrono::nanoseconds latency) {
  Bucket& b = current(now);
  b.total.fetch_add(1, std::memory_order_relaxed);
  if (status == 502 || status == 504) {
    b.network_errors.fetch_add(1, std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    if (status >= ranges_[i].from && status < ranges_[i].to) {
      b.ranges[i].fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (latency_) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
    b.bins[binOf(us < 0 ? 0 : static_cast<std::uint64_t>(us))].fetch_add(1,
                                                                         std::memory_order_relaxed);
  }
}

void Window::reset() {
  for (Bucket& b : buckets_) {
    b.epoch.store(-1, std::memory_order_release);
  }
}

Window::Totals Window::totals(Clock::time_point now) const {
  Totals t;
  t.ranges = ranges_;
  t.range_counts.assign(ranges_.size(), 0);
  if (latency_) {
    t.latency_bins.assign(kBins, 0);
  }
  std::int64_t newest = epochOf(now);
  for (const Bucket& b : buckets_) {
    std::int64_t e = b.epoch.load(std::memory_order_acquire);
    if (e < 0 || e > newest || e <= newest - kBuckets) {
      continue;  // empty, or older than the window
    }
    t.total += b.total.load(std::memory_order_relaxed);
    t.network_errors += b.network_errors.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
      t.range_counts[i] += b.ranges[i].load(std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < t.latency_bins.size(); ++i) {
      t.latency_bins[i] += b.bins[i].load(std::memory_order_relaxed);
    }
  }
  return t;
}

std::size_t Window::binOf(std::uint64_t micros) {
  if (micros < 16) {
    return static_cast<std::size_t>(micros);
  }
  int msb = std::bit_width(micros) - 1;  // >= 4
  std::size_t sub = static_cast<std::size_t>((micros >> (msb - 3)) & 7);
  std::size_t bin = 16 + static_cast<std::size_t>(msb - 4) * 8 + sub;
  return bin < kBins ? bin : kBins - 1;
}

std::uint64_t Window::binMidpoint(std::size_t bin) {
  if (bin < 16) {
    return bin;
  }
  std::size_t msb = (bin - 16) / 8 + 4;
  std::uint64_t sub = (bin - 16) % 8;
  std::uint64_t low = (std::uint64_t{8} + sub) << (msb - 3);
  std::uint64_t width = std::uint64_t{1} << (msb - 3);
  return low + width / 2;
}

double Window::Totals::networkErrorRatio() const {
  return total == 0 ? 0.0 : static_cast<double>(network_errors) / static_cast<double>(total);
}

double Window::Totals::responseCodeRatio(CodeRange num, CodeRange den) const {
  std::uint64_t a = 0, b = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i] == num) {
      a = range_counts[i];
    }
    if (ranges[i] == den) {
      b = range_counts[i];
    }
  }
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

double Window::Totals::latencyAtQuantileMs(double percent) const {
  std::uint64_t count = 0;
  for (std::uint64_t c : latency_bins) {
    count += c;
  }
  if (count == 0) {
    return 0;
  }
  // The smallest bin at which the cumulative count reaches percent% of the samples.
  double want = percent / 100.0 * static_cast<double>(count);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < latency_bins.size(); ++i) {
    seen += latency_bins[i];
    if (latency_bins[i] > 0 && static_cast<double>(seen) >= want) {
      return static_cast<double>(binMidpoint(i) / 1000);  // whole ms, as oxy's integer result
    }
  }
  return static_cast<double>(binMidpoint(kBins - 1) / 1000);
}

}  // namespace pier::middleware::cb
