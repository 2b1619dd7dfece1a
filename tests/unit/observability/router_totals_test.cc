// Per-router totals behind the dashboard's live rates (/api/x-pier/stats).
#include <doctest/doctest.h>

#include <map>
#include <thread>

#include "observability/metrics_registry.h"

using namespace pier::observability;
using pier::runtime::RouterSpec;
using pier::runtime::ServiceSpec;
using pier::runtime::Snapshot;

namespace {

RequestSample routed(std::uint32_t router, int code) {
  RequestSample s;
  s.router = router;
  s.code = code;
  return s;
}

std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> totals(const MetricsShard& s) {
  std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> out;
  s.forEachRouterTotal([&](std::uint32_t id, std::uint64_t requests, std::uint64_t errors) {
    out[id] = {requests, errors};
  });
  return out;
}

}  // namespace

TEST_CASE("router totals count every routed request and its 5xx, whatever the scope switches") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{false, false, false});
  shard.record(routed(3, 200));
  shard.record(routed(3, 502));
  shard.record(routed(3, 499));    // client closed: not a server error
  shard.record(routed(600, 500));  // second chunk
  shard.record(routed(kNoSeries, 500));
  auto t = totals(shard);
  REQUIRE(t.size() == 2);
  CHECK(t[3] == std::make_pair<std::uint64_t, std::uint64_t>(3, 1));
  CHECK(t[600] == std::make_pair<std::uint64_t, std::uint64_t>(1, 1));
  int series = 0;
  shard.forEachSeries([&](const MetricsShard::SeriesValues&) { ++series; });
  CHECK(series == 0);  // the Prometheus series stay off
}

TEST_CASE("router ids past the table are ignored") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{});
  shard.record(routed(0xfffffff0u, 200));
  CHECK(totals(shard).empty());
}

TEST_CASE("a reader on another thread sees the owner's counts") {
  MetricsShard shard({0.1}, 1, ScopeSwitches{});
  std::thread writer([&] {
    for (int i = 0; i < 10000; ++i) {
      shard.record(routed(static_cast<std::uint32_t>(i % 1000), i % 10 == 0 ? 503 : 200));
    }
  });
  std::uint64_t seen = 0;
  for (int i = 0; i < 100; ++i) {
    std::uint64_t sum = 0;
    shard.forEachRouterTotal([&](std::uint32_t, std::uint64_t r, std::uint64_t) { sum += r; });
    CHECK(sum >= seen);  // cumulative: never goes back
    seen = sum;
  }
  writer.join();
  std::uint64_t requests = 0, errors = 0;
  shard.forEachRouterTotal([&](std::uint32_t, std::uint64_t r, std::uint64_t e) {
    requests += r;
    errors += e;
  });
  CHECK(requests == 10000);
  CHECK(errors == 1000);
}

TEST_CASE("routerTotalsJson adds up workers and services of one router, by name") {
  PrometheusSettings settings;
  settings.add_entry_points_labels = false;
  settings.add_services_labels = false;
  settings.entry_point_names = {"web"};
  MetricsRegistry reg(settings, 2);
  CHECK(reg.routerTotalsJson() == R"({"routers":{}})");
  Snapshot s;
  ServiceSpec a;
  a.name = "a@file";
  ServiceSpec b;
  b.name = "b@file";
  s.services = {a, b};
  RouterSpec r;
  r.name = "r\"1@file";  // escaped in JSON
  r.service = 0;
  s.routers = {r};
  reg.labelSnapshot(s);
  std::uint32_t first = s.routers[0].metrics_id;
  s.routers[0].service = 1;  // a reload pointed the router at another service: a new id
  reg.labelSnapshot(s);
  std::uint32_t second = s.routers[0].metrics_id;
  REQUIRE(first != second);
  reg.shard(0).record(routed(first, 200));
  reg.shard(1).record(routed(first, 500));
  reg.shard(1).record(routed(second, 200));
  CHECK(reg.routerTotalsJson() == R"({"routers":{"r\"1@file":{"requests":3,"errors":1}}})");
}
