#include <doctest/doctest.h>

#include <thread>

#include "observability/metrics_shard.h"

using namespace pier::observability;

namespace {

RequestSample sample(int code, std::uint64_t ns) {
  RequestSample s;
  s.entry_point = 1;
  s.router = 7;
  s.service = 3;
  s.code = code;
  s.duration_ns = ns;
  s.request_bytes = 10;
  s.response_bytes = 20;
  return s;
}

}  // namespace

TEST_CASE("series keys round-trip") {
  SeriesKey k{Scope::Router, 0xfffffffeu, 599, Method::Extension, Protocol::GrpcWeb};
  CHECK(SeriesKey::unpack(k.pack()) == k);
}

TEST_CASE("one series per scope and label set; buckets are per-bucket counts") {
  MetricsShard shard({0.1, 1.0}, 2, ScopeSwitches{true, true, true});
  shard.record(sample(200, 50'000'000));     // 0.05 s: first bucket
  shard.record(sample(200, 500'000'000));    // 0.5 s: second bucket
  shard.record(sample(200, 3'000'000'000));  // 3 s: only +Inf
  shard.record(sample(404, 1'000'000));
  int series = 0;
  shard.forEachSeries([&](const MetricsShard::SeriesValues& v) {
    ++series;
    if (v.key.code == 200) {
      CHECK(v.requests == 3);
      CHECK(v.request_bytes == 30);
      CHECK(v.response_bytes == 60);
      CHECK(v.duration_ns == 3'550'000'000ULL);
      REQUIRE(v.buckets.size() == 2);
      CHECK(v.buckets[0] == 1);
      CHECK(v.buckets[1] == 1);
    } else {
      CHECK(v.requests == 1);
    }
  });
  CHECK(series == 6);  // {entry point, router, service} x {200, 404}
}

TEST_CASE("disabled scopes and missing ids record nothing for them") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{false, false, true});
  RequestSample s = sample(200, 1);
  s.service = kNoSeries;
  shard.record(s);
  int series = 0;
  shard.forEachSeries([&](const MetricsShard::SeriesValues&) { ++series; });
  CHECK(series == 0);
}

TEST_CASE("retries are a series of their own per service") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{true, false, true});
  RequestSample s = sample(200, 1);
  s.retries = 2;
  shard.record(s);
  shard.record(s);
  bool found = false;
  shard.forEachSeries([&](const MetricsShard::SeriesValues& v) {
    if (v.key.scope == Scope::Retries) {
      found = true;
      CHECK(v.key.entity == 3);
      CHECK(v.requests == 4);
    }
  });
  CHECK(found);
}

TEST_CASE("open connections per entry point") {
  MetricsShard shard({0.1}, 2, ScopeSwitches{});
  shard.connectionOpened(0);
  shard.connectionOpened(0);
  shard.connectionOpened(1);
  shard.connectionClosed(0);
  shard.connectionOpened(5);  // out of range: ignored
  CHECK(shard.openConnections(0) == 1);
  CHECK(shard.openConnections(1) == 1);
  CHECK(shard.openConnections(5) == 0);
}

TEST_CASE("a concurrent reader never sees more than was written, and sees all at the end") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{true, false, false});
  constexpr int kN = 200000;
  std::atomic<bool> done{false};
  std::uint64_t last = 0;
  bool monotonic = true;
  std::thread reader([&] {
    while (!done.load()) {
      shard.forEachSeries([&](const MetricsShard::SeriesValues& v) {
        monotonic = monotonic && v.requests >= last && v.requests <= kN;
        last = v.requests;
      });
    }
  });
  for (int i = 0; i < kN; ++i) {
    RequestSample s = sample(200 + (i % 3), 1);
    s.entry_point = 0;
    shard.record(s);
  }
  done.store(true);
  reader.join();
  std::uint64_t total = 0;
  shard.forEachSeries([&](const MetricsShard::SeriesValues& v) { total += v.requests; });
  CHECK(total == kN);
}
