#include "control/build_report.h"

#include <doctest/doctest.h>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "config/static_loader.h"
#include "control/snapshot_builder.h"

using namespace pier;
using control::ObjectKind;

namespace {

control::BuildResult build(const std::string& dynamic_yaml) {
  auto loaded = config::loadStaticConfig(
      {"--entrypoints.web.address=:80", "--entrypoints.tcp.address=:81"}, {}, {});
  REQUIRE(loaded);
  std::vector<std::string> eps;
  for (const auto& [name, ep] : loaded->config.entry_points)
    eps.push_back(name);
  auto dyn = config::parseDynamicYaml(dynamic_yaml, "dyn.yml");
  REQUIRE_MESSAGE(dyn, (dyn ? std::string() : dyn.error().message));
  config::qualifyNames(*dyn, "file");
  return control::buildSnapshot(loaded->config, eps, *dyn, 1);
}

}  // namespace

TEST_CASE("build report: error() logs the line and records the object") {
  control::BuildReport r;
  r.error(ObjectKind::TcpRouter, "db@file", "no service");
  r.warning(ObjectKind::HttpRouter, "web@file", "options ignored");
  r.attach(ObjectKind::HttpRouter, "web@file", "options ignored", false);
  CHECK(r.errors == std::vector<std::string>{"TCP router db@file: no service"});
  CHECK(r.warnings == std::vector<std::string>{"router web@file: options ignored"});
  bool critical = true;
  CHECK(r.messagesFor(ObjectKind::HttpRouter, "web@file", &critical) ==
        std::vector<std::string>{"options ignored"});
  CHECK_FALSE(critical);
  CHECK(r.messagesFor(ObjectKind::TcpRouter, "db@file", &critical).size() == 1);
  CHECK(critical);
  CHECK(r.messagesFor(ObjectKind::TcpService, "db@file").empty());
}

TEST_CASE(
    "build report: the snapshot builder attaches errors to routers, services and "
    "middlewares") {
  auto built = build(R"yaml(
http:
  routers:
    bad-rule: {rule: "Pathh(`/x`)", service: s}
    no-svc: {rule: "Path(`/n`)", service: missing}
    broken-mw: {rule: "Path(`/m`)", service: s, middlewares: [strip]}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
    bad-url: {loadBalancer: {servers: [{url: "ftp://x"}]}}
  middlewares:
    strip: {redirectRegex: {regex: "(", replacement: "/x"}}
tcp:
  routers:
    t-missing: {rule: "HostSNI(`*`)", service: nope, entryPoints: [tcp]}
    t-sni: {rule: "HostSNI(`a.example`)", service: t, entryPoints: [tcp]}
  services:
    t: {loadBalancer: {servers: [{address: "127.0.0.1:1"}]}}
    t-bad: {loadBalancer: {servers: [{address: "nohost"}]}}
udp:
  routers:
    u: {service: us, entryPoints: [tcp]}
  services:
    us: {loadBalancer: {servers: [{address: "127.0.0.1:53"}]}}
)yaml");
  const control::BuildReport& r = built.report;
  CHECK(r.messagesFor(ObjectKind::HttpRouter, "bad-rule@file").size() == 1);
  auto no_svc = r.messagesFor(ObjectKind::HttpRouter, "no-svc@file");
  REQUIRE(no_svc.size() == 1);
  CHECK(no_svc[0] == "the service \"missing@file\" does not exist");
  CHECK(r.messagesFor(ObjectKind::HttpRouter, "broken-mw@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::HttpMiddleware, "strip@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::HttpService, "bad-url@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::HttpService, "s@file").empty());
  CHECK(r.messagesFor(ObjectKind::TcpRouter, "t-missing@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::TcpRouter, "t-sni@file").size() == 1);  // needs TLS
  CHECK(r.messagesFor(ObjectKind::TcpService, "t-bad@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::TcpService, "t@file").empty());
  CHECK(r.messagesFor(ObjectKind::UdpRouter, "u@file").size() == 1);
  CHECK(r.messagesFor(ObjectKind::UdpService, "us@file").size() == 1);
  // The log lines still name their object.
  bool found = false;
  for (const std::string& e : r.errors) {
    found = found || e.rfind("TCP service t-bad@file: ", 0) == 0;
  }
  CHECK(found);
  for (const control::ObjectProblem& p : r.problems) {
    CHECK(p.critical);
  }
}

TEST_CASE("build report: conflicting TLS options for a host are warnings on each router") {
  auto built = build(R"yaml(
http:
  routers:
    a: {rule: "Host(`x.example`)", service: s, tls: {options: strict}, entryPoints: [web]}
    b: {rule: "Host(`x.example`) && Path(`/b`)", service: s, tls: {}, entryPoints: [web]}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
tls:
  options:
    strict: {minVersion: VersionTLS13}
)yaml");
  for (const char* name : {"a@file", "b@file"}) {
    bool critical = true;
    auto msgs = built.report.messagesFor(ObjectKind::HttpRouter, name, &critical);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0].find("x.example") != std::string::npos);
    CHECK_FALSE(critical);
  }
}
