// Dynamic model: YAML files and label keys through the same decoder (spec B.3, B.4, D, E, F).
#include "config/dynamic_decode.h"

#include <doctest/doctest.h>

#include <chrono>

using namespace pier::config;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFull = R"(http:
  routers:
    api:
      entryPoints: [websecure]
      rule: Host(`api.example.com`) && PathPrefix(`/v1`)
      priority: 9223372036854775000
      service: api-svc
      middlewares: [strip, auth@file]
      tls:
        certResolver: le
        domains:
          - main: example.com
            sans: [a.example.com]
  services:
    api-svc:
      loadBalancer:
        servers:
          - url: http://10.0.0.1:8080
            weight: 3
          - url: http://10.0.0.2:8080
        sticky:
          cookie:
            name: s
            httpOnly: true
        healthCheck:
          path: /health
          interval: 5s
        responseForwarding:
          flushInterval: 1
    mirror:
      mirroring:
        service: api-svc
        mirrors:
          - name: shadow
            percent: 10
    both:
      weighted:
        services:
          - name: api-svc
            weight: 2
        healthCheck: {}
  middlewares:
    strip:
      StripPrefix:
        prefixes: [/v1]
    compress:
      compress: {}
  serversTransports:
    insecure:
      insecureSkipVerify: true
      forwardingTimeouts:
        dialTimeout: 3s
tcp:
  routers:
    db:
      rule: HostSNI(`*`)
      service: db
      tls:
        passthrough: true
  services:
    db:
      loadBalancer:
        servers:
          - address: 10.0.0.3:5432
        proxyProtocol:
          version: 1
  middlewares:
    limit:
      inFlightConn:
        amount: 10
tls:
  certificates:
    - certFile: /certs/a.pem
      keyFile: /certs/a.key
  options:
    default:
      minVersion: VersionTLS12
      sniStrict: true
      clientAuth:
        caFiles: [/ca.pem]
        clientAuthType: RequireAndVerifyClientCert
  stores:
    default:
      defaultCertificate:
        certFile: /certs/d.pem
        keyFile: /certs/d.key
)";

std::string yamlError(const std::string& text) {
  auto r = parseDynamicYaml(text, "dyn.yml");
  return r ? std::string() : r.error().message;
}

std::string flatError(const std::map<std::string, std::string>& flat) {
  auto r = decodeDynamicFlat(flat, "label traefik.");
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("dynamic YAML: full happy path with defaults") {
    auto r = parseDynamicYaml(kFull, "dyn.yml");
    if (!r)
      FAIL(r.error().message);
    const auto& api = r->http.routers.at("api");
    CHECK(api.entry_points == std::vector<std::string>{"websecure"});
    CHECK(api.priority == 9223372036854775000LL);
    CHECK(api.middlewares.size() == 2);
    REQUIRE(api.tls.has_value());
    CHECK(api.tls->domains.at(0).sans == std::vector<std::string>{"a.example.com"});

    const auto& lb = *r->http.services.at("api-svc").load_balancer;
    REQUIRE(lb.servers.size() == 2);
    CHECK(lb.servers[0].weight == 3);
    CHECK(lb.servers[1].weight == 1);
    CHECK(lb.pass_host_header);
    CHECK(lb.strategy == "wrr");
    CHECK(lb.sticky->cookie->http_only);
    CHECK(lb.sticky->cookie->path == "/");
    CHECK(lb.health_check->interval == 5s);
    CHECK(lb.health_check->timeout == 5s);
    CHECK(lb.response_forwarding.flush_interval == 1s);
    CHECK(r->http.services.at("mirror").mirroring->max_body_size == -1);
    CHECK(r->http.services.at("both").weighted->health_check.has_value());

    CHECK(r->http.middlewares.at("strip").type == "stripPrefix");
    CHECK(r->http.middlewares.at("strip").options.find("prefixes")->isList());
    CHECK(r->http.middlewares.at("compress").type == "compress");
    const auto& transport = r->http.servers_transports.at("insecure");
    CHECK(transport.forwarding_timeouts.dial_timeout == 3s);
    CHECK(transport.forwarding_timeouts.idle_conn_timeout == 90s);
    CHECK(transport.max_idle_conns_per_host == 200);

    CHECK(r->tcp.routers.at("db").tls->passthrough);
    CHECK(r->tcp.services.at("db").load_balancer->proxy_protocol->version == 1);
    CHECK(r->tcp.middlewares.at("limit").type == "inFlightConn");
    CHECK(r->tls.certificates.at(0).key_file == "/certs/a.key");
    CHECK(r->tls.options.at("default").client_auth->ca_files.size() == 1);
    CHECK(r->tls.stores.at("default").default_certificate->cert_file == "/certs/d.pem");
  }

  TEST_CASE("dynamic YAML: errors carry file:line, the key path and the expectation") {
    struct Case {
      std::string name;
      std::string yaml;
      std::string want;
    };
    const Case cases[] = {
        {"type", "http:\n  routers:\n    api:\n      rule:\n        a: b\n",
         "dyn.yml:4: http.routers.api.rule: expected a string, got a section"},
        {"typo", "http:\n  routers:\n    api:\n      rul: Host(`x`)\n",
         "dyn.yml:4: unknown key `http.routers.api.rul`; did you mean `http.routers.api.rule`?"},
        {"int", "http:\n  routers:\n    api:\n      priority: high\n",
         "dyn.yml:4: http.routers.api.priority: expected an integer, got \"high\""},
        {"bool", "http:\n  services:\n    s:\n      loadBalancer:\n        passHostHeader: maybe\n",
         "dyn.yml:5: http.services.s.loadBalancer.passHostHeader: expected true or false, got "
         "\"maybe\""},
        {"list item",
         "http:\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: x\n"
         "            wieght: 2\n",
         "dyn.yml:7: unknown key `http.services.s.loadBalancer.servers[0].wieght`; did you mean "
         "`http.services.s.loadBalancer.servers[0].weight`?"},
        {"middleware type",
         "http:\n  middlewares:\n    m:\n      stripPrefx:\n        prefixes: [/a]\n",
         "dyn.yml:4: http.middlewares.m: unknown middleware type `stripPrefx`; did you mean "
         "`stripPrefix`?"},
        {"two middleware types",
         "http:\n  middlewares:\n    m:\n      compress: {}\n      retry:\n        attempts: 2\n",
         "dyn.yml:3: http.middlewares.m: a middleware has exactly one type, got `compress` and "
         "`retry`"},
        {"tcp middleware", "tcp:\n  middlewares:\n    m:\n      ipAllowLists: {}\n",
         "dyn.yml:4: tcp.middlewares.m: unknown middleware type `ipAllowLists`; did you mean "
         "`ipAllowList`?"},
        {"duration",
         "http:\n  services:\n    s:\n      loadBalancer:\n        healthCheck:\n          "
         "interval: often\n",
         "dyn.yml:6: http.services.s.loadBalancer.healthCheck.interval: expected a duration like "
         "10s or 1m30s (a bare number means seconds), got \"often\""},
        {"top level", "htp:\n  routers: {}\n",
         "dyn.yml:1: unknown key `htp`; did you mean `http`?"},
        {"label-only key in a file",
         "http:\n  services:\n    s:\n      loadBalancer:\n        server:\n          port: 80\n",
         "dyn.yml:5: unknown key `http.services.s.loadBalancer.server`; did you mean "
         "`http.services.s.loadBalancer.servers`?"},
        {"list expected", "http:\n  routers:\n    r:\n      tls:\n        domains: example.com\n",
         "dyn.yml:5: http.routers.r.tls.domains: expected a list, got a value"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      CHECK(yamlError(c.yaml) == c.want);
    }
    CHECK(yamlError("http: [\n").rfind("dyn.yml:", 0) == 0);
    CHECK(yamlError("").empty());
  }

  TEST_CASE("labels: flat keys decode through the same schema (spec B.3, B.4)") {
    auto r = decodeDynamicFlat(
        {
            {"http.routers.app.rule", "Host(`app.localhost`)"},
            {"http.routers.app.entrypoints", "web, websecure"},
            {"http.routers.app.tls", "true"},
            {"http.routers.app.tls.domains[0].main", "example.com"},
            {"http.routers.app.middlewares", "strip,auth@file"},
            {"HTTP.Routers.App.Priority", "10"},  // field names are case-insensitive
            {"http.services.app.loadbalancer.server.port", "8080"},
            {"http.services.app.loadbalancer.server.scheme", "h2c"},
            {"http.services.app.loadbalancer.sticky.cookie", "true"},
            {"http.services.app.loadbalancer.healthcheck.interval", "10"},
            {"http.middlewares.strip.stripprefix.prefixes", "/a,/b"},
            {"http.middlewares.gz.compress", "true"},
            {"http.middlewares.hdr.headers.customrequestheaders.X-Script-Name", "test"},
            {"tcp.routers.db.rule", "HostSNI(`*`)"},
            {"tcp.routers.db.tls.passthrough", "true"},
            {"tcp.services.db.loadbalancer.server.port", "5432"},
            {"udp.services.dns.loadbalancer.server.port", "53"},
            {"tls.stores.default.defaultgeneratedcert.resolver", "le"},
            {"tls.stores.default.defaultgeneratedcert.domain.main", "example.com"},
        },
        "label traefik.");
    if (!r)
      FAIL(r.error().message);
    // "HTTP.Routers.App" sorts first (byte order) so the router is named "App" (spec B.3 folding).
    REQUIRE(r->http.routers.size() == 1);
    const auto& app = r->http.routers.begin()->second;
    CHECK(r->http.routers.begin()->first == "App");
    CHECK(app.rule == "Host(`app.localhost`)");
    CHECK(app.entry_points == std::vector<std::string>{"web", "websecure"});
    CHECK(app.priority == 10);
    REQUIRE(app.tls.has_value());
    CHECK(app.tls->domains.at(0).main == "example.com");
    const auto& lb = *r->http.services.at("app").load_balancer;
    REQUIRE(lb.servers.size() == 1);
    CHECK(lb.servers[0].port == "8080");
    CHECK(lb.servers[0].scheme == "h2c");
    CHECK(lb.servers[0].weight == 1);
    CHECK(lb.sticky->cookie.has_value());
    CHECK(lb.health_check->interval == 10s);
    CHECK(r->http.middlewares.at("strip").type == "stripPrefix");
    CHECK(r->http.middlewares.at("gz").options.value() == "true");
    const Node* headers = r->http.middlewares.at("hdr").options.find("customrequestheaders");
    REQUIRE(headers != nullptr);
    CHECK(headers->children().at(0).first == "X-Script-Name");
    CHECK(r->tcp.routers.at("db").tls->passthrough);
    CHECK(r->tcp.services.at("db").load_balancer->servers.at(0).port == "5432");
    CHECK(r->udp.services.at("dns").load_balancer->servers.at(0).port == "53");
    CHECK(r->tls.stores.at("default").default_generated_cert->domain.main == "example.com");
  }

  TEST_CASE("labels: errors name the exact label and suggest the key") {
    CHECK(flatError({{"http.routers.r.rul", "Host(`x`)"}}) ==
          "label traefik.http.routers.r.rul: unknown key `http.routers.r.rul`; did you mean "
          "`http.routers.r.rule`?");
    CHECK(flatError({{"http.services.s.loadbalancer.server.weight", "heavy"}}) ==
          "label traefik.http.services.s.loadbalancer.server.weight: "
          "http.services.s.loadBalancer.server.weight: expected an integer, got \"heavy\"");
    CHECK(flatError({{"http.routers.r", "x"}}) ==
          "label traefik.http.routers.r: http.routers.r: expected a section with child keys, got a "
          "value");
    CHECK(flatError({{"http.routers..rule", "x"}}).find("empty segment") != std::string::npos);
    CHECK(flatError({{"http.routers.r.tls", "false"}}).empty());
    CHECK(flatError({{"http.middlewares.m.nope.x", "1"}}) ==
          "label traefik.http.middlewares.m.nope.x: http.middlewares.m: unknown middleware type "
          "`nope`");
  }
}

// spec I.2: a service with two types or none is a problem of that service only, so the file
// decodes and the snapshot builder disables the service (and the routers that use it).
TEST_CASE("dynamic yaml: service type count is left to the builder") {
  auto two = pier::config::parseDynamicYaml(
      "http:\n  services:\n    s:\n      loadBalancer: {}\n      weighted:\n        services: []\n",
      "dyn.yml");
  REQUIRE(two);
  CHECK(two->http.services.at("s").load_balancer.has_value());
  CHECK(two->http.services.at("s").weighted.has_value());
  auto none = pier::config::parseDynamicYaml("http:\n  services:\n    s: {}\n", "dyn.yml");
  REQUIRE(none);
  CHECK(none->http.services.count("s") == 1);
}
