#include "control/snapshot_builder.h"

#include <doctest/doctest.h>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "config/static_loader.h"

using namespace pier;

namespace {

struct Built {
  config::StaticConfig st;
  std::vector<std::string> eps;
  control::BuildResult result;
};

Built build(const std::vector<std::string>& flags, const std::string& dynamic_yaml,
            const std::set<std::string>& guarded = {}) {
  auto loaded = config::loadStaticConfig(flags, {}, {});
  REQUIRE(loaded);
  Built b;
  b.st = loaded->config;
  for (const auto& [name, ep] : b.st.entry_points)
    b.eps.push_back(name);
  auto dyn = config::parseDynamicYaml(dynamic_yaml, "dyn.yml");
  REQUIRE(dyn);
  config::qualifyNames(*dyn, "file");
  b.result = control::buildSnapshot(b.st, b.eps, *dyn, 7, guarded);
  return b;
}

bool hasError(const control::BuildResult& r, const std::string& fragment) {
  for (const auto& e : r.report.errors) {
    if (e.find(fragment) != std::string::npos)
      return true;
  }
  return false;
}

const runtime::RouterSpec* routerNamed(const runtime::Snapshot& s, const std::string& name) {
  for (const auto& r : s.routers) {
    if (r.name == name)
      return &r;
  }
  return nullptr;
}

http::RequestView view(std::string_view host, std::string_view path) {
  http::RequestView v;
  v.method = "GET";
  v.host = host;
  v.path = path;
  return v;
}

}  // namespace

TEST_CASE("snapshot: each broken router is left out with its reason, the rest is installed") {
  auto b = build({"--entrypoints.web.address=:8000"}, R"yaml(
http:
  routers:
    good: {rule: "Host(`good.test`)", service: s}
    unknown-service: {rule: "Host(`a.test`)", service: nope}
    bad-rule: {rule: "Host(`b.test`", service: s}
    unknown-ep: {rule: "Host(`c.test`)", service: s, entryPoints: [nowhere]}
    with-mw: {rule: "Host(`d.test`)", service: s, middlewares: [zip]}
    tls-router: {rule: "Host(`e.test`)", service: s, tls: {}}
    too-high: {rule: "Host(`f.test`)", service: s, priority: 9223372036854775807}
    two-types: {rule: "Host(`g.test`)", service: two}
  middlewares:
    zip: {compress: {encodings: [lz4]}}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
    two: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}, weighted: {services: [{name: s}]}}
)yaml");
  const auto& r = b.result;
  CHECK(hasError(r, "router unknown-service@file: the service \"nope@file\" does not exist"));
  CHECK(hasError(r, "router bad-rule@file: rule"));
  CHECK(hasError(r, "router unknown-ep@file: entry point \"nowhere\" does not exist"));
  CHECK(hasError(r, "router with-mw@file: middleware \"zip@file\": compress.encodings[0]"));
  CHECK(hasError(r, "router too-high@file: priority"));
  CHECK(hasError(r, "service two@file: a service needs exactly one type"));
  REQUIRE(r.snapshot->entry_points.size() == 1);
  const auto& table = r.snapshot->entry_points[0].http;
  const auto* hit = table.match(view("good.test", "/"));
  REQUIRE(hit != nullptr);
  CHECK(hit->name == "good@file");
  for (const char* host : {"a.test", "b.test", "c.test", "d.test", "e.test", "f.test", "g.test"}) {
    CHECK_MESSAGE(table.match(view(host, "/")) == nullptr, host);
  }
  // A TLS router answers only on the HTTPS table (spec C.4).
  const auto* tls_hit = r.snapshot->entry_points[0].https.match(view("e.test", "/"));
  REQUIRE(tls_hit != nullptr);
  CHECK(tls_hit->name == "tls-router@file");
}

TEST_CASE("snapshot: TLS options are chosen per Host domain; conflicts fall back to default") {
  auto b = build({"--entrypoints.web.address=:8443"}, R"yaml(
http:
  routers:
    a: {rule: "Host(`a.test`)", service: s, priority: 100, tls: {options: strict}}
    b: {rule: "Host(`b.test`) || Host(`*.w.test`)", service: s, tls: {}}
    c1: {rule: "Host(`c.test`)", service: s, tls: {options: strict}}
    c2: {rule: "Host(`c.test`) && Path(`/x`)", service: s, tls: {options: other}}
    any: {rule: "PathPrefix(`/`)", service: s, tls: {options: strict}}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
tls:
  options:
    strict: {minVersion: VersionTLS13}
    other: {}
)yaml");
  const auto& r = b.result;
  const auto& ep = r.snapshot->entry_points[0];
  CHECK(ep.https_options.lookup("a.test") == "strict@file");
  CHECK(ep.https_options.lookup("b.test") == "default");
  CHECK(ep.https_options.lookup("x.w.test") == "default");
  CHECK(ep.https_options.lookup("c.test") == "default");
  CHECK(ep.https_options.lookup("unknown.test") == "default");
  CHECK(hasError(r, "host c.test is served by routers with different TLS options"));
  CHECK(ep.httpsClaims("a.test"));
  CHECK(ep.httpsClaims("x.w.test"));
  CHECK_FALSE(ep.httpsClaims("y.x.w.test"));
  CHECK_FALSE(ep.httpsClaims("nope.test"));
  CHECK(ep.https_catch_all);
  // The router's own view of its options (the 421 check) follows the same resolution.
  const auto* hit = ep.https.match(view("a.test", "/"));
  REQUIRE(hit != nullptr);
  CHECK(r.snapshot->routers[hit->target].tls_options == "strict@file");
  const auto* c = ep.https.match(view("c.test", "/x"));
  REQUIRE(c != nullptr);
  CHECK(r.snapshot->routers[c->target].tls_options == "default");
}

TEST_CASE("snapshot: TCP routers split into plain and TLS tables; bad ones report why") {
  auto b = build({"--entrypoints.tcp.address=:9000"}, R"yaml(
tcp:
  routers:
    plain: {rule: "HostSNI(`*`)", service: db}
    pass: {rule: "HostSNI(`db.test`)", service: db, tls: {passthrough: true}}
    term: {rule: "HostSNI(`t.test`)", service: db, tls: {}}
    no-tls: {rule: "HostSNI(`x.test`)", service: db}
    bad-svc: {rule: "HostSNI(`*`)", service: missing}
    bad-addr: {rule: "HostSNI(`*`)", service: broken}
  services:
    db: {loadBalancer: {servers: [{address: "127.0.0.1:5432"}], proxyProtocol: {version: 2}}}
    broken: {loadBalancer: {servers: [{address: "no-port"}]}}
)yaml");
  const auto& r = b.result;
  const auto& s = *r.snapshot;
  CHECK(hasError(r, "TCP router no-tls@file: HostSNI with a domain needs TLS"));
  CHECK(hasError(r, "TCP router bad-svc@file: the TCP service \"missing@file\" does not exist"));
  CHECK(hasError(r, "TCP service broken@file: server address \"no-port\": expected host:port"));
  const auto& ep = s.entry_points[0];
  REQUIRE(ep.tcp.routes().size() == 1);
  CHECK(ep.tcp.routes()[0].name == "plain@file");
  CHECK(ep.tcp.routes()[0].priority == -1);
  REQUIRE(ep.tcp_tls.routes().size() == 2);
  routing::TcpRequestView v;
  v.sni = "db.test";
  const auto* pass = ep.tcp_tls.match(v);
  REQUIRE(pass != nullptr);
  CHECK(s.tcp_routers[pass->target].tls == runtime::TcpTlsMode::Passthrough);
  v.sni = "t.test";
  const auto* term = ep.tcp_tls.match(v);
  REQUIRE(term != nullptr);
  CHECK(s.tcp_routers[term->target].tls == runtime::TcpTlsMode::Terminate);
  const auto& db = s.tcp_services[s.tcp_routers[pass->target].service];
  CHECK(db.name == "db@file");
  REQUIRE(db.servers.size() == 1);
  CHECK(db.servers[0].host == "127.0.0.1");
  CHECK(db.servers[0].port == 5432);
  CHECK(db.proxy_protocol_version == 2);
}

TEST_CASE("snapshot: weighted TCP services flatten into one list; cycles disable them") {
  auto b = build({"--entrypoints.tcp.address=:9000"}, R"yaml(
tcp:
  routers:
    w: {rule: "HostSNI(`*`)", service: w}
    far: {rule: "HostSNI(`*`)", service: a, entryPoints: [nowhere]}
    opts: {rule: "HostSNI(`o.test`)", service: a, tls: {options: nope}}
  services:
    a: {loadBalancer: {servers: [{address: "10.0.0.1:1"}, {address: "10.0.0.2:1"}]}}
    b: {loadBalancer: {servers: [{address: "10.0.0.3:1"}]}}
    w: {weighted: {services: [{name: a, weight: 1}, {name: b, weight: 3}]}}
    c1: {weighted: {services: [{name: c2, weight: 1}]}}
    c2: {weighted: {services: [{name: c1, weight: 1}]}}
)yaml");
  const auto& r = b.result;
  const auto& s = *r.snapshot;
  CHECK(hasError(r, "TCP service c1@file: weighted services refer to each other in a cycle"));
  CHECK(hasError(r, "TCP service c2@file: weighted services refer to each other in a cycle"));
  CHECK(hasError(r, "TCP router far@file: entry point \"nowhere\" does not exist"));
  CHECK(hasError(r, "TCP router opts@file: TLS options \"nope@file\" do not exist"));
  REQUIRE(s.tcp_routers.size() == 1);
  const auto& w = s.tcp_services[s.tcp_routers[0].service];
  CHECK(w.name == "w@file");
  // a's two servers share a quarter, b's one server gets three quarters.
  REQUIRE(w.servers.size() == 3);
  CHECK(w.servers[0].weight == 1);
  CHECK(w.servers[1].weight == 1);
  CHECK(w.servers[2].host == "10.0.0.3");
  CHECK(w.servers[2].weight == 6);
}

TEST_CASE("snapshot: ping and entry-point redirection are internal routers (spec A.7, H.1)") {
  auto b = build({"--entrypoints.web.address=:80", "--entrypoints.websecure.address=:443",
                  "--entrypoints.web.http.redirections.entrypoint.to=websecure", "--ping"},
                 "http: {}\n");
  const auto& s = *b.result.snapshot;
  CHECK(b.result.report.errors.empty());
  // Entry points are ordered by name: traefik (created by ping), web, websecure.
  REQUIRE(b.eps == std::vector<std::string>{"traefik", "web", "websecure"});
  const auto* ping = s.entry_points[0].http.match(view("", "/ping"));
  REQUIRE(ping != nullptr);
  CHECK(s.services[s.routers[ping->target].service].kind == runtime::ServiceKind::Ping);
  const auto* redirect = s.entry_points[1].http.match(view("a.test", "/x"));
  REQUIRE(redirect != nullptr);
  const auto& svc = s.services[s.routers[redirect->target].service];
  CHECK(svc.kind == runtime::ServiceKind::Redirect);
  CHECK(svc.redirect.scheme == "https");
  CHECK(svc.redirect.port.empty());  // 443 is https's default: left out of Location
  CHECK(s.entry_points[2].http.match(view("a.test", "/x")) == nullptr);
}

TEST_CASE("snapshot: routers without entry points go to every entry point but traefik") {
  auto b = build({"--entrypoints.web.address=:80", "--entrypoints.other.address=:81", "--ping"},
                 R"yaml(
http:
  routers:
    r: {rule: "PathPrefix(`/`)", service: s}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
)yaml");
  const auto& s = *b.result.snapshot;
  REQUIRE(b.eps == std::vector<std::string>{"other", "traefik", "web"});
  CHECK(s.entry_points[0].http.match(view("x", "/a")) != nullptr);
  CHECK(s.entry_points[1].http.match(view("x", "/a")) == nullptr);
  CHECK(s.entry_points[2].http.match(view("x", "/a")) != nullptr);
}

TEST_CASE("snapshot: default-rule routers carry the loop guard (spec G.3)") {
  auto b = build({"--entrypoints.web.address=:80"}, R"yaml(
http:
  routers:
    app: {rule: "Host(`app`)", service: s}
    other: {rule: "Host(`other`)", service: s}
  services:
    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}
)yaml",
                 {"app@file"});
  const auto* app = routerNamed(*b.result.snapshot, "app@file");
  const auto* other = routerNamed(*b.result.snapshot, "other@file");
  REQUIRE(app != nullptr);
  REQUIRE(other != nullptr);
  CHECK(app->from_default_rule);
  CHECK(app->loop_guard_value == control::loopGuardValue("app@file"));
  CHECK_FALSE(other->from_default_rule);
  CHECK(control::loopGuardValue("a") != control::loopGuardValue("b"));
}

TEST_CASE("snapshot: server URLs are parsed; a bad one disables its service") {
  auto b = build({"--entrypoints.web.address=:80"}, R"yaml(
http:
  services:
    ok:
      loadBalancer:
        passHostHeader: false
        servers:
          - url: "http://[::1]:8080/base"
            preservePath: true
          - url: "https://backend.internal"
          - url: "http://127.0.0.1:9"
            weight: 0
    bad: {loadBalancer: {servers: [{url: "ftp://x"}]}}
)yaml");
  const auto& s = *b.result.snapshot;
  CHECK(hasError(b.result, "service bad@file: server url \"ftp://x\": unsupported scheme"));
  REQUIRE(s.services.size() == 1);
  const auto& ok = s.services[0];
  CHECK_FALSE(ok.pass_host_header);
  REQUIRE(ok.servers.size() == 2);  // weight 0 takes a server out (spec D.1)
  CHECK(ok.servers[0].host == "::1");
  CHECK(ok.servers[0].port == 8080);
  CHECK(ok.servers[0].authority == "[::1]:8080");
  CHECK(ok.servers[0].base_path == "/base");
  CHECK(ok.servers[1].https);
  CHECK(ok.servers[1].port == 443);
}
