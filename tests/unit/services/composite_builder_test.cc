#include "control/composite_builder.h"

#include <doctest/doctest.h>

#include <regex>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "config/static_loader.h"
#include "control/snapshot_builder.h"

using namespace pier;

namespace {

control::BuildResult build(const std::string& dynamic_yaml) {
  auto loaded = config::loadStaticConfig({"--entryPoints.web.address=:8080"}, {}, {});
  REQUIRE(loaded);
  std::vector<std::string> eps{"web"};
  auto dyn = config::parseDynamicYaml(dynamic_yaml, "dyn.yml");
  REQUIRE(dyn);
  config::qualifyNames(*dyn, "file");
  return control::buildSnapshot(loaded->config, eps, *dyn, 1);
}

const runtime::ServiceSpec* named(const control::BuildResult& r, const std::string& name) {
  for (const auto& s : r.snapshot->services) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

std::string errorFor(const control::BuildResult& r, const std::string& name) {
  for (const auto& e : r.report.errors) {
    if (e.starts_with("service " + name + ":")) {
      return e;
    }
  }
  return {};
}

}  // namespace

TEST_CASE("composite builder: weighted, mirroring and failover over loadBalancers") {
  auto r = build(R"(
http:
  services:
    a:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:1"}]
    b:
      loadBalancer:
        sticky: {cookie: {}}
        servers: [{url: "http://127.0.0.1:2"}, {url: "http://127.0.0.1:3"}]
    w:
      weighted:
        sticky: {cookie: {name: "my session", httpOnly: true, sameSite: lax, maxAge: 30}}
        services: [{name: a, weight: 3}, {name: b, weight: 1}, {name: a, weight: 0}]
    m:
      mirroring:
        service: w
        mirrorBody: false
        mirrors: [{name: b, percent: 10}]
    f:
      failover: {service: m, fallback: a}
)");
  CHECK(r.report.errors.empty());
  const auto* w = named(r, "w@file");
  REQUIRE(w);
  CHECK(w->kind == runtime::ServiceKind::Weighted);
  REQUIRE(w->composite);
  REQUIRE(w->composite->children.size() == 2);
  CHECK(w->composite->children[0].weight == 3);
  CHECK(r.snapshot->services[w->composite->children[1].service].name == "b@file");
  REQUIRE(w->sticky);
  CHECK(w->sticky->name == "my_session");
  CHECK(w->sticky->attributes.http_only);
  CHECK(w->sticky->attributes.same_site == "Lax");
  CHECK(w->sticky->attributes.max_age == 30);
  const auto* b = named(r, "b@file");
  REQUIRE(b->sticky);
  CHECK(std::regex_match(b->sticky->name, std::regex("^_[0-9a-f]{5}$")));
  CHECK(b->sticky->values.size() == 2);
  CHECK(b->sticky->values[0].find("127.0.0.1") == std::string::npos);
  const auto* m = named(r, "m@file");
  REQUIRE(m);
  CHECK(m->kind == runtime::ServiceKind::Mirroring);
  CHECK_FALSE(m->composite->mirror_body);
  CHECK(m->composite->mirrors.at(0).percent == 10);
  const auto* f = named(r, "f@file");
  REQUIRE(f);
  CHECK(r.snapshot->services[f->composite->main].name == "m@file");
  CHECK(r.snapshot->services[f->composite->fallback].name == "a@file");
}

TEST_CASE("composite builder: a cycle disables every service on it, naming them") {
  auto r = build(R"(
http:
  services:
    a:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:1"}]
    x:
      weighted:
        services: [{name: a}, {name: y}]
    y:
      failover: {service: x, fallback: a}
    z:
      mirroring: {service: a, mirrors: [{name: z, percent: 5}]}
)");
  CHECK(named(r, "x@file") == nullptr);
  CHECK(named(r, "y@file") == nullptr);
  CHECK(named(r, "z@file") == nullptr);
  std::string ex = errorFor(r, "x@file");
  CHECK(ex.find("cycle") != std::string::npos);
  CHECK(ex.find("y@file") != std::string::npos);
  CHECK(errorFor(r, "y@file").find("cycle") != std::string::npos);
  CHECK(errorFor(r, "z@file").find("cycle: z@file -> z@file") != std::string::npos);
}

TEST_CASE("composite builder: a broken child fails the parent with both names") {
  auto r = build(R"(
http:
  services:
    bad:
      loadBalancer:
        servers: [{url: "ftp://127.0.0.1:1"}]
    ok:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:1"}]
    w:
      weighted:
        services: [{name: ok}, {name: bad}]
    missing:
      failover: {service: ok, fallback: nowhere}
    pct:
      mirroring: {service: ok, mirrors: [{name: ok, percent: 150}]}
)");
  std::string w = errorFor(r, "w@file");
  CHECK(w.find("bad@file") != std::string::npos);
  CHECK(w.find("unsupported scheme") != std::string::npos);
  CHECK(errorFor(r, "missing@file").find("\"nowhere@file\" does not exist") != std::string::npos);
  CHECK(errorFor(r, "pct@file").find("percent: 150") != std::string::npos);
  CHECK(named(r, "ok@file") != nullptr);
}
