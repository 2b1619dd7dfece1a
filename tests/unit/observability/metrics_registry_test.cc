#include <doctest/doctest.h>

#include "observability/metrics_registry.h"

using namespace pier::observability;
using pier::runtime::RouterSpec;
using pier::runtime::ServiceKind;
using pier::runtime::ServiceSpec;
using pier::runtime::Snapshot;

namespace {

Snapshot twoRouters() {
  Snapshot s;
  ServiceSpec a;
  a.name = "a@file";
  ServiceSpec ping;
  ping.name = "ping@internal";
  ping.kind = ServiceKind::Ping;
  s.services = {a, ping};
  RouterSpec r1;
  r1.name = "r1@file";
  r1.service = 0;
  RouterSpec r2;
  r2.name = "ping@internal";
  r2.service = 1;
  s.routers = {r1, r2};
  return s;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("ids are stable across snapshots; internal objects get none") {
  PrometheusSettings settings;
  settings.entry_point_names = {"web"};
  MetricsRegistry reg(settings, 2);
  Snapshot s1 = twoRouters();
  reg.labelSnapshot(s1);
  CHECK(s1.services[1].metrics_id == pier::runtime::kNoMetricsId);
  CHECK(s1.routers[1].metrics_id == pier::runtime::kNoMetricsId);
  Snapshot s2 = twoRouters();
  std::swap(s2.services[0], s2.services[1]);
  s2.routers[0].service = 1;
  s2.routers[1].service = 0;
  reg.labelSnapshot(s2);
  CHECK(s2.services[1].metrics_id == s1.services[0].metrics_id);
  CHECK(s2.routers[0].metrics_id == s1.routers[0].metrics_id);
}

TEST_CASE("render merges shards with Traefik's names and labels") {
  PrometheusSettings settings;
  settings.entry_point_names = {"web"};
  settings.add_routers_labels = true;
  settings.buckets = {1.2, 0.1};  // sorted by the registry
  MetricsRegistry reg(settings, 2);
  Snapshot s = twoRouters();
  reg.labelSnapshot(s);
  RequestSample sample;
  sample.entry_point = 0;
  sample.router = s.routers[0].metrics_id;
  sample.service = s.services[0].metrics_id;
  sample.code = 200;
  sample.duration_ns = 500'000'000;
  sample.response_bytes = 7;
  reg.shard(0).record(sample);
  reg.shard(1).record(sample);
  reg.shard(1).connectionOpened(0);
  reg.configReloaded(1700000000.5);
  std::string text = reg.render();
  CHECK(contains(text, "traefik_config_reloads_total 1\n"));
  CHECK(contains(text, "traefik_config_last_reload_success 1700000000.5\n"));
  CHECK(contains(text, "traefik_open_connections{entrypoint=\"web\",protocol=\"TCP\"} 1\n"));
  CHECK(contains(text,
                 "traefik_entrypoint_requests_total{code=\"200\",entrypoint=\"web\",method=\"GET\","
                 "protocol=\"http\"} 2\n"));
  CHECK(contains(text,
                 "traefik_router_requests_total{code=\"200\",method=\"GET\",protocol=\"http\","
                 "router=\"r1@file\",service=\"a@file\"} 2\n"));
  CHECK(contains(text,
                 "traefik_service_responses_bytes_total{code=\"200\",method=\"GET\",protocol="
                 "\"http\",service=\"a@file\"} 14\n"));
  CHECK(contains(text,
                 "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\","
                 "protocol=\"http\",service=\"a@file\",le=\"0.1\"} 0\n"));
  CHECK(contains(text,
                 "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\","
                 "protocol=\"http\",service=\"a@file\",le=\"1.2\"} 2\n"));
  CHECK(contains(text,
                 "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\","
                 "protocol=\"http\",service=\"a@file\",le=\"+Inf\"} 2\n"));
  CHECK(contains(text,
                 "traefik_service_request_duration_seconds_sum{code=\"200\",method=\"GET\","
                 "protocol=\"http\",service=\"a@file\"} 1\n"));
  CHECK(contains(text, "# TYPE traefik_entrypoint_request_duration_seconds histogram\n"));
}

TEST_CASE("certificate hook") {
  MetricsRegistry reg(PrometheusSettings{}, 1);
  reg.setCertificates({{"example.com", "01ab", "example.com,www.example.com", 1.8e9}});
  CHECK(contains(reg.render(),
                 "traefik_tls_certs_not_after{cn=\"example.com\",sans=\"example.com,www.example."
                 "com\",serial=\"01ab\"} 1.8e+09\n"));
}
