// Builder side of health checks: settings with Traefik's defaults, flags carried across
// generations while nothing relevant changed, and the server_up metric reading the flags.
#include "control/health_attach.h"

#include <doctest/doctest.h>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "config/static_loader.h"
#include "control/snapshot_builder.h"
#include "observability/metrics_registry.h"

using namespace pier;

namespace {

struct Gen {
  config::StaticConfig st;
  std::vector<std::string> eps;
  control::BuildResult result;
};

Gen build(const std::string& yaml, const runtime::Snapshot* previous = nullptr,
          observability::MetricsRegistry* metrics = nullptr) {
  auto loaded = config::loadStaticConfig({"--entrypoints.web.address=:8000"}, {}, {});
  REQUIRE(loaded);
  Gen g;
  g.st = loaded->config;
  g.eps = {"web"};
  auto dyn = config::parseDynamicYaml(yaml, "dyn.yml");
  REQUIRE(dyn);
  config::qualifyNames(*dyn, "file");
  g.result = control::buildSnapshot(g.st, g.eps, *dyn, 1, {}, nullptr, metrics, previous);
  return g;
}

const runtime::ServiceSpec& svc(const Gen& g, const std::string& name) {
  for (const auto& s : g.result.snapshot->services) {
    if (s.name == name)
      return s;
  }
  FAIL("no service " << name);
  return g.result.snapshot->services.front();
}

const char* kTwo = R"yaml(
http:
  services:
    checked:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:1"}, {url: "http://127.0.0.1:2"}]
        healthCheck: {path: /health, interval: 1s, timeout: 2s, headers: {X-A: b}}
    plain: {loadBalancer: {servers: [{url: "http://127.0.0.1:3"}]}}
)yaml";

}  // namespace

TEST_CASE("attach: only services with a healthCheck get flags, all UP, settings compiled") {
  Gen g = build(kTwo);
  const auto& c = svc(g, "checked@file");
  REQUIRE(c.health != nullptr);
  CHECK(c.health->count == 2);
  CHECK(c.serverUp(0));
  CHECK(c.serverUp(1));
  REQUIRE(c.health->check != nullptr);
  const runtime::HealthCheckSpec& hc = *c.health->check;
  CHECK(hc.path == "/health");
  CHECK(hc.method == "GET");
  CHECK(hc.interval.count() == 1000);
  CHECK(hc.unhealthy_interval.count() == 1000);  // defaults to interval
  CHECK(hc.timeout.count() == 2000);
  CHECK(hc.follow_redirects);
  CHECK(hc.status == 0);
  REQUIRE(hc.headers.size() == 1);
  CHECK(hc.headers[0].first == "X-A");
  CHECK(svc(g, "plain@file").health == nullptr);
}

TEST_CASE("attach: defaults for non-positive durations, unhealthyInterval kept apart") {
  config::ServerHealthCheck hc;
  hc.interval = std::chrono::seconds(0);
  hc.timeout = std::chrono::seconds(-1);
  hc.unhealthy_interval = std::chrono::seconds(3);
  hc.method = "HEAD";
  hc.follow_redirects = false;
  config::StaticServersTransport st;
  st.insecure_skip_verify = true;
  auto spec = control::compileHealthCheck(hc, nullptr, st);
  CHECK(spec.interval.count() == 30000);
  CHECK(spec.timeout.count() == 5000);
  CHECK(spec.unhealthy_interval.count() == 3000);
  CHECK(spec.method == "HEAD");
  CHECK_FALSE(spec.follow_redirects);
  CHECK(spec.insecure_skip_verify);
}

TEST_CASE("attach: a reload with the same servers and check keeps the very same flags") {
  Gen g1 = build(kTwo);
  auto flags = svc(g1, "checked@file").health;
  flags->up[1].store(false);  // the checker found server 2 down
  Gen g2 = build(kTwo, g1.result.snapshot.get());
  CHECK(svc(g2, "checked@file").health == flags);
  CHECK_FALSE(svc(g2, "checked@file").serverUp(1));
}

TEST_CASE("attach: changed check settings or server list give new flags; kept URLs keep state") {
  Gen g1 = build(kTwo);
  auto flags = svc(g1, "checked@file").health;
  flags->up[1].store(false);

  std::string other_path = kTwo;
  other_path.replace(other_path.find("/health"), 7, "/ready");
  Gen g2 = build(other_path, g1.result.snapshot.get());
  CHECK(svc(g2, "checked@file").health != flags);
  CHECK(svc(g2, "checked@file").serverUp(1));  // another probe: starts UP again

  std::string three = kTwo;
  three.replace(three.find("{url: \"http://127.0.0.1:2\"}"), 0, "{url: \"http://127.0.0.1:4\"}, ");
  Gen g3 = build(three, g1.result.snapshot.get());
  const auto& c3 = svc(g3, "checked@file");
  REQUIRE(c3.health != nullptr);
  CHECK(c3.health != flags);
  REQUIRE(c3.servers.size() == 3);
  CHECK(c3.servers[2].url == "http://127.0.0.1:2");
  CHECK_FALSE(c3.serverUp(2));  // still known to be down
  CHECK(c3.serverUp(0));
  CHECK(c3.serverUp(1));  // the new server starts UP
}

TEST_CASE("attach: mode grpc is not supported: a warning, and the service is served unchecked") {
  Gen g = build(R"yaml(
http:
  services:
    g:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:1"}]
        healthCheck: {mode: grpc, path: /}
)yaml");
  CHECK(svc(g, "g@file").health == nullptr);
  bool warned = false;
  for (const auto& w : g.result.report.warnings) {
    warned = warned || w.find("service g@file: healthCheck.mode grpc") != std::string::npos;
  }
  CHECK(warned);
}

TEST_CASE("metrics: traefik_service_server_up follows the flags of the latest snapshot") {
  observability::PrometheusSettings settings;
  settings.entry_point_names = {"web"};
  observability::MetricsRegistry reg(settings, 1);
  Gen g = build(kTwo, nullptr, &reg);
  svc(g, "checked@file").health->up[0].store(false);
  std::string text = reg.render();
  CHECK(text.find(
            "traefik_service_server_up{service=\"checked@file\",url=\"http://127.0.0.1:1\"} 0") !=
        std::string::npos);
  CHECK(text.find(
            "traefik_service_server_up{service=\"checked@file\",url=\"http://127.0.0.1:2\"} 1") !=
        std::string::npos);
  CHECK(text.find("service=\"plain@file\",url=") == std::string::npos);
  build("http: {services: {plain: {loadBalancer: {servers: [{url: \"http://127.0.0.1:3\"}]}}}}",
        g.result.snapshot.get(), &reg);
  CHECK(reg.render().find("url=\"http://127.0.0.1:1\"") == std::string::npos);  // gone
}
