// Containers + labels -> dynamic configuration (spec B.2-B.10, Acceptance B). Each row is one
// scenario tagged with its spec case id where one exists.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "providers/docker/container_model.h"

using namespace pier::providers::docker;
using Labels = std::map<std::string, std::string>;

namespace {

ContainerInfo ctr(const std::string& name, Labels labels = {}, std::string ip = "172.17.0.2") {
  ContainerInfo c;
  c.id = "id-" + name;
  c.name = name;
  c.labels = std::move(labels);
  c.running = true;
  c.network_mode = "bridge";
  c.networks = {{"bridge", std::move(ip), ""}};
  c.ports = {{80, "tcp", "", 0}};
  return c;
}

ContainerInfo compose(const std::string& project, const std::string& service, int n,
                      Labels labels = {}, std::string ip = "172.18.0.2") {
  ContainerInfo c =
      ctr(project + "-" + service + "-" + std::to_string(n), std::move(labels), std::move(ip));
  c.compose_project = project;
  c.compose_service = service;
  c.labels["com.docker.compose.project"] = project;
  c.labels["com.docker.compose.service"] = service;
  c.networks[0].name = project + "_default";
  return c;
}

std::vector<std::string> urls(const DockerModelOutput& o, const std::string& svc) {
  std::vector<std::string> out;
  auto it = o.config.http.services.find(svc);
  if (it == o.config.http.services.end() || !it->second.load_balancer)
    return {"<no service>"};
  for (const auto& s : it->second.load_balancer->servers)
    out.push_back(s.url);
  return out;
}

std::string rule(const DockerModelOutput& o, const std::string& r) {
  auto it = o.config.http.routers.find(r);
  return it == o.config.http.routers.end() ? "<no router>" : it->second.rule;
}

std::string routerService(const DockerModelOutput& o, const std::string& r) {
  auto it = o.config.http.routers.find(r);
  return it == o.config.http.routers.end() ? "<no router>" : it->second.service;
}

bool has(const std::vector<ContainerIssue>& issues, const std::string& container,
         const std::string& text) {
  return std::any_of(issues.begin(), issues.end(), [&](const ContainerIssue& i) {
    return i.container == container && i.message.find(text) != std::string::npos;
  });
}

std::string dump(const std::vector<ContainerIssue>& issues) {
  std::string out;
  for (const auto& i : issues)
    out += i.text() + "\n";
  return out;
}

struct Row {
  const char* id;
  std::function<void(DockerModelSettings&)> settings;
  std::vector<ContainerInfo> containers;
  std::function<void(const DockerModelOutput&)> check;
};

void runRows(const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    INFO(std::string(r.id));
    DockerModelSettings s;
    if (r.settings)
      r.settings(s);
    auto model = DockerModel::create(s);
    REQUIRE(model.has_value());
    DockerModelOutput out = model->build(r.containers);
    INFO("errors:\n"
         << dump(out.errors) << "warnings:\n"
         << dump(out.warnings) << "infos:\n"
         << dump(out.infos));
    r.check(out);
  }
}

}  // namespace

TEST_SUITE("providers.docker.model") {
  TEST_CASE("Acceptance B: containers to routers and services") {
    ContainerInfo two_ports = ctr("multi");
    two_ports.ports = {{8080, "tcp", "", 0}, {80, "tcp", "", 0}};
    ContainerInfo two_ports_label = two_ports;
    two_ports_label.labels["traefik.http.services.x.loadbalancer.server.port"] = "8080";
    ContainerInfo no_port = ctr("noport");
    no_port.ports.clear();
    ContainerInfo starting = ctr("slow");
    starting.health = "starting";
    ContainerInfo starting_port =
        ctr("slow2", {{"traefik.http.services.slow2.loadbalancer.server.port", "8080"}});
    starting_port.health = "starting";
    ContainerInfo stopped = ctr("stopped", {{"traefik.docker.allownonrunning", "true"}});
    stopped.running = false;
    ContainerInfo host =
        ctr("hostnet", {{"traefik.http.services.h.loadbalancer.server.port", "8080"}});
    host.network_mode = "host";
    host.networks = {{"host", "", ""}};
    host.ports.clear();

    std::vector<Row> rows = {
        {"B1.1 no labels, exposed by default",
         nullptr,
         {ctr("simple")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "simple") == "Host(`simple`)");
           CHECK(routerService(o, "simple") == "simple");
           CHECK(urls(o, "simple") == std::vector<std::string>{"http://172.17.0.2:80"});
           CHECK(o.default_rule_routers.count("simple") == 1);
           CHECK(o.errors.empty());
           CHECK(o.warnings.empty());
         }},
        {"B1.2 compose names",
         nullptr,
         {compose("shop", "web", 1)},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "web-shop") == "Host(`web-shop`)");
           CHECK(urls(o, "web-shop") == std::vector<std::string>{"http://172.18.0.2:80"});
         }},
        {"B1.3 exposedByDefault=false, unrelated traefik label",
         [](DockerModelSettings& s) { s.exposed_by_default = false; },
         {ctr("c", {{"traefik.random.value", "x"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(o.config.http.services.empty());
         }},
        {"B1.4 mixed-case keys, user names keep their case",
         nullptr,
         {ctr("c", {{"traefik.http.Routers.Super.Rule", "Host(`my.super.host`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "Super") == "Host(`my.super.host`)");
           CHECK(routerService(o, "Super") == "c");
           CHECK(o.default_rule_routers.empty());
         }},
        {"B1.5 lowest exposed port, with a warning",
         nullptr,
         {two_ports},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "multi") == std::vector<std::string>{"http://172.17.0.2:80"});
           CHECK(has(o.warnings, "multi", "several ports (80, 8080); using the lowest, 80"));
           CHECK(has(o.warnings, "multi", "traefik.http.services.multi.loadbalancer.server.port"));
         }},
        {"B1.5 port label wins",
         nullptr,
         {two_ports_label},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "x") == std::vector<std::string>{"http://172.17.0.2:8080"});
           CHECK(o.warnings.empty());
         }},
        {"B1.6 no port: container skipped, others routed",
         nullptr,
         {no_port, ctr("ok")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "noport") == "<no router>");
           CHECK(o.config.http.services.count("noport") == 0);
           CHECK(has(o.errors, "noport",
                     "no port: the container exposes no port; set "
                     "traefik.http.services.noport.loadbalancer.server.port"));
           CHECK(rule(o, "ok") == "Host(`ok`)");
         }},
        {"B1.7 typo on one container",
         nullptr,
         {ctr("a", {{"traefik.http.routers.r.rul", "Host(`a`)"}}),
          ctr("b", {{"traefik.http.routers.rb.rule", "Host(`b`)"}}, "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(has(o.errors, "a", "label traefik.http.routers.r.rul"));
           CHECK(has(o.errors, "a", "did you mean `traefik.http.routers.r.rule`?"));
           CHECK(o.config.http.routers.count("r") == 0);
           CHECK(o.config.http.services.count("a") == 0);
           CHECK(rule(o, "rb") == "Host(`b`)");
           CHECK(urls(o, "b") == std::vector<std::string>{"http://172.17.0.3:80"});
         }},
        {"B1.8 replicas merge into one service",
         nullptr,
         {compose("p", "web", 2, {}, "172.18.0.3"), compose("p", "web", 1, {}, "172.18.0.2")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.size() == 1);
           CHECK(urls(o, "web-p") ==
                 std::vector<std::string>{"http://172.18.0.2:80", "http://172.18.0.3:80"});
           CHECK(o.conflicts.empty());
           CHECK(o.errors.empty());
         }},
        {"B1.9 same router name, different rules: removed, both named",
         nullptr,
         {compose("a", "app", 1, {{"traefik.http.routers.web.rule", "Host(`a`)"}}),
          compose("b", "app", 1, {{"traefik.http.routers.web.rule", "Host(`b`)"}}, "172.18.0.9")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.count("web") == 0);
           REQUIRE(o.conflicts.size() == 1);
           CHECK(o.conflicts[0].kind == "HTTP router");
           CHECK(o.conflicts[0].field == "rule");
           CHECK(o.conflicts[0].containers == std::vector<std::string>{"a-app-1", "b-app-1"});
           CHECK(has(o.errors, "a-app-1", "containers a-app-1 and b-app-1"));
           CHECK(has(o.errors, "a-app-1", "first difference: rule"));
           // Everything else stays.
           CHECK(urls(o, "app-a").size() == 1);
           CHECK(urls(o, "app-b").size() == 1);
         }},
        {"B1.11 starting container is not routed",
         nullptr,
         {starting},
         [](const DockerModelOutput& o) { CHECK(o.config.http.routers.empty()); }},
        {"B1.11 allowEmptyServices keeps it with no server (503)",
         [](DockerModelSettings& s) { s.allow_empty_services = true; },
         {starting, starting_port},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "slow") == "Host(`slow`)");
           CHECK(urls(o, "slow").empty());
           // Traefik 3.7 keeps a server with an empty URL here (500); Pier keeps none (503).
           CHECK(urls(o, "slow2").empty());
         }},
        {"B1.12 stopped with allownonrunning: router kept, no server",
         nullptr,
         {stopped},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "stopped") == "Host(`stopped`)");
           CHECK(urls(o, "stopped").empty());
         }},
        {"B1.13 router without service among two services is dropped",
         nullptr,
         {ctr("c", {{"traefik.http.routers.a.rule", "Host(`a`)"},
                    {"traefik.http.services.s1.loadbalancer.server.port", "8000"},
                    {"traefik.http.services.s2.loadbalancer.server.port", "9000"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.count("a") == 0);
           CHECK(has(o.errors, "c",
                     "router a: cannot be linked automatically with several "
                     "services (s1, s2)"));
           CHECK(urls(o, "s1") == std::vector<std::string>{"http://172.17.0.2:8000"});
           CHECK(urls(o, "s2") == std::vector<std::string>{"http://172.17.0.2:9000"});
         }},
        {"B1.14 TCP labels only: no HTTP",
         nullptr,
         {ctr("db", {{"traefik.tcp.routers.t.rule", "HostSNI(`*`)"},
                     {"traefik.tcp.services.t.loadbalancer.server.port", "5432"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(o.config.http.services.empty());
           REQUIRE(o.config.tcp.routers.count("t") == 1);
           CHECK(o.config.tcp.routers.at("t").service == "t");
           CHECK(o.config.tcp.services.at("t").load_balancer->servers.at(0).address ==
                 "172.17.0.2:5432");
         }},
        {"B1.15 constraints",
         [](DockerModelSettings& s) { s.constraints = "Label(`team`,`web`)"; },
         {ctr("w", {{"team", "web"}}), ctr("d", {{"team", "db"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "w") == "Host(`w`)");
           CHECK(rule(o, "d") == "<no router>");
         }},
        {"B1.16 traefik.enable=yes",
         nullptr,
         {ctr("c", {{"traefik.enable", "yes"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "c", "label traefik.enable: expected true or false, got \"yes\""));
         }},
        {"B1.17 defaultRule with .Name",
         [](DockerModelSettings& s) { s.default_rule = "Host(`{{ .Name }}.example.com`)"; },
         {compose("p", "api", 1)},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "api-p") == "Host(`api-p.example.com`)");
         }},
        {"B1.18 url with port",
         nullptr,
         {ctr("c", {{"traefik.http.services.s.loadbalancer.server.url", "http://10.0.0.5:81"},
                    {"traefik.http.services.s.loadbalancer.server.port", "80"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.services.empty());
           CHECK(has(o.errors, "c", "defining scheme or port is not allowed when URL is defined"));
         }},
        {"B1.19 host network mode",
         nullptr,
         {host},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "h") == std::vector<std::string>{"http://127.0.0.1:8080"});
         }},
        {"B1.19 host network mode, resolved host.docker.internal",
         [](DockerModelSettings& s) { s.host_address = "192.168.65.254"; },
         {host},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "h") == std::vector<std::string>{"http://192.168.65.254:8080"});
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.2 which containers: enable, state, health, one-off") {
    ContainerInfo paused = ctr("paused");
    paused.paused = true;
    ContainerInfo exited = ctr("exited");
    exited.running = false;
    ContainerInfo unhealthy = ctr("sick");
    unhealthy.health = "unhealthy";
    ContainerInfo healthy = ctr("fine");
    healthy.health = "healthy";
    ContainerInfo oneoff = compose("p", "app", 1, {{"com.docker.compose.oneoff", "True"}});
    std::vector<Row> rows = {
        {"enable=true with exposedByDefault=false",
         [](DockerModelSettings& s) { s.exposed_by_default = false; },
         {ctr("on", {{"traefik.enable", "true"}}), ctr("off")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "on") == "Host(`on`)");
           CHECK(rule(o, "off") == "<no router>");
         }},
        {"enable=false",
         nullptr,
         {ctr("off", {{"traefik.enable", "false"}})},
         [](const DockerModelOutput& o) { CHECK(o.config.http.routers.empty()); }},
        {"enable accepts Go booleans (T, 1, FALSE)",
         nullptr,
         {ctr("a", {{"traefik.enable", "T"}}), ctr("b", {{"Traefik.Enable", "0"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "a") == "Host(`a`)");
           CHECK(rule(o, "b") == "<no router>");
         }},
        {"paused and exited are ignored",
         nullptr,
         {paused, exited},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(o.errors.empty());
         }},
        {"unhealthy ignored, healthy kept",
         nullptr,
         {unhealthy, healthy},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "sick") == "<no router>");
           CHECK(rule(o, "fine") == "Host(`fine`)");
         }},
        {"allownonrunning also keeps unhealthy, with no server",
         nullptr,
         {[] {
           ContainerInfo c = ctr("x", {{"traefik.docker.allownonrunning", "true"}});
           c.health = "unhealthy";
           return c;
         }()},
         [](const DockerModelOutput& o) { CHECK(urls(o, "x").empty()); }},
        {"allownonrunning=maybe skips the container",
         nullptr,
         {ctr("x", {{"traefik.docker.allownonrunning", "maybe"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "x", "expected true or false"));
         }},
        {"one-off containers join by default, with an info",
         nullptr,
         {oneoff},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "app-p") == "Host(`app-p`)");
           CHECK(has(o.infos, "p-app-1", "one-off container"));
         }},
        {"one-off containers ignored on request",
         [](DockerModelSettings& s) { s.ignore_one_off = true; },
         {oneoff},
         [](const DockerModelOutput& o) { CHECK(o.config.http.routers.empty()); }},
        {"constraints with LabelRegex and negation",
         [](DockerModelSettings& s) {
           s.constraints = "Label(`team`,`web`) && !LabelRegex(`env`,`^dev`)";
         },
         {ctr("prod", {{"team", "web"}, {"env", "production"}}),
          ctr("dev", {{"team", "web"}, {"env", "dev-2"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "prod") == "Host(`prod`)");
           CHECK(rule(o, "dev") == "<no router>");
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.3 labels: unknown keys, provider keys, decode errors") {
    std::vector<Row> rows = {
        {"v1 leftover suggests the v3 key",
         nullptr,
         {compose("shop", "web", 1, {{"traefik.frontend.rule", "Host:x"}, {"traefik.port", "80"}})},
         [](const DockerModelOutput& o) {
           CHECK(has(o.warnings, "shop-web-1",
                     "label traefik.frontend.rule is ignored (not a Traefik v3 label); did you "
                     "mean traefik.http.routers.web-shop.rule?"));
           CHECK(has(o.warnings, "shop-web-1",
                     "did you mean traefik.http.services.web-shop.loadbalancer.server.port?"));
           CHECK(rule(o, "web-shop") == "Host(`web-shop`)");  // still routed
         }},
        {"misspelt root suggests the nearest root",
         nullptr,
         {ctr("c", {{"traefik.htp.routers.x.rule", "Host(`x`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(has(o.warnings, "c", "did you mean traefik.http.routers.x.rule?"));
         }},
        {"missing protocol segment",
         nullptr,
         {ctr("c", {{"traefik.routers.x.rule", "Host(`x`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(has(o.warnings, "c", "did you mean traefik.http.routers.x.rule?"));
         }},
        {"router (singular) is a decode error with a suggestion",
         nullptr,
         {ctr("c", {{"traefik.http.router.x.rule", "Host(`x`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "c", "label traefik.http.router.x.rule"));
           CHECK(has(o.errors, "c", "`traefik.http.routers`"));
         }},
        {"TLS options cannot come from labels",
         nullptr,
         {ctr("c", {{"traefik.tls.options.o.minversion", "VersionTLS12"}})},
         [](const DockerModelOutput& o) {
           CHECK(has(o.warnings, "c", "label traefik.tls.options.o.minversion is ignored"));
           CHECK(o.config.tls.options.empty());
           CHECK(rule(o, "c") == "Host(`c`)");
         }},
        {"TLS default store from labels",
         nullptr,
         {ctr("c", {{"traefik.tls.stores.default.defaultgeneratedcert.resolver", "le"}})},
         [](const DockerModelOutput& o) {
           REQUIRE(o.config.tls.stores.count("default") == 1);
           CHECK(o.config.tls.stores.at("default").default_generated_cert->resolver == "le");
         }},
        {"unknown traefik.docker key skips the container",
         nullptr,
         {ctr("c", {{"traefik.docker.netwrok", "front"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "c", "did you mean `traefik.docker.network`?"));
         }},
        {"servers transports cannot come from labels",
         nullptr,
         {ctr("c", {{"traefik.http.serverstransports.t.insecureskipverify", "true"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "c", "servers transports cannot be defined with labels"));
         }},
        {"bad integer value",
         nullptr,
         {ctr("c", {{"traefik.http.routers.r.priority", "high"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(has(o.errors, "c", "label traefik.http.routers.r.priority"));
           CHECK(has(o.errors, "c", "expected an integer"));
         }},
        {"bad port value",
         nullptr,
         {ctr("c", {{"traefik.http.services.s.loadbalancer.server.port", "http"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.services.empty());
           CHECK(has(o.errors, "c", "expected a port number (1-65535), got \"http\""));
         }},
        {"non-traefik labels are not read",
         nullptr,
         {ctr("c", {{"com.example.rule", "x"}, {"traefikx.http", "y"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.warnings.empty());
           CHECK(rule(o, "c") == "Host(`c`)");
         }},
        {"middlewares, router options and scheme",
         nullptr,
         {ctr("c", {{"traefik.http.routers.r.rule", "Host(`r`)"},
                    {"traefik.http.routers.r.entrypoints", "web, websecure"},
                    {"traefik.http.routers.r.middlewares", "strip, auth@file"},
                    {"traefik.http.routers.r.tls", "true"},
                    {"traefik.http.middlewares.strip.stripprefix.prefixes", "/api"},
                    {"traefik.http.services.s.loadbalancer.server.scheme", "h2c"},
                    {"traefik.http.services.s.loadbalancer.passhostheader", "false"}})},
         [](const DockerModelOutput& o) {
           const auto& r = o.config.http.routers.at("r");
           CHECK(r.entry_points == std::vector<std::string>{"web", "websecure"});
           CHECK(r.middlewares == std::vector<std::string>{"strip", "auth@file"});
           CHECK(r.tls.has_value());
           CHECK(r.service == "s");
           CHECK(o.config.http.middlewares.at("strip").type == "stripPrefix");
           CHECK(urls(o, "s") == std::vector<std::string>{"h2c://172.17.0.2:80"});
           CHECK_FALSE(o.config.http.services.at("s").load_balancer->pass_host_header);
         }},
        {"url label used verbatim",
         nullptr,
         {ctr("c", {{"traefik.http.services.s.loadbalancer.server.url", "http://10.0.0.5:81"}})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "s") == std::vector<std::string>{"http://10.0.0.5:81"});
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.6 auto-wiring") {
    std::vector<Row> rows = {
        {"no router, one declared service: default router to it",
         nullptr,
         {ctr("c", {{"traefik.http.services.api.loadbalancer.server.port", "3000"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "c") == "Host(`c`)");
           CHECK(routerService(o, "c") == "api");
           CHECK(o.config.http.services.count("c") == 0);
           CHECK(o.default_rule_routers.count("c") == 1);
         }},
        {"no router, two services: no router, info",
         nullptr,
         {ctr("c", {{"traefik.http.services.a.loadbalancer.server.port", "1000"},
                    {"traefik.http.services.b.loadbalancer.server.port", "2000"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(o.config.http.services.size() == 2);
           CHECK(has(o.infos, "c", "no router created"));
         }},
        {"routers, no service: auto service for all of them",
         nullptr,
         {ctr("c", {{"traefik.http.routers.a.rule", "Host(`a`)"},
                    {"traefik.http.routers.b.rule", "Host(`b`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(routerService(o, "a") == "c");
           CHECK(routerService(o, "b") == "c");
           CHECK(urls(o, "c").size() == 1);
         }},
        {"router without rule gets the default rule and the guard marker",
         nullptr,
         {ctr("c", {{"traefik.http.routers.a.entrypoints", "web"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "a") == "Host(`c`)");
           CHECK(o.default_rule_routers == std::set<std::string>{"a"});
         }},
        {"explicit service to something undeclared is kept; auto service still made",
         nullptr,
         {ctr("c", {{"traefik.http.routers.a.rule", "Host(`a`)"},
                    {"traefik.http.routers.a.service", "api@internal"}})},
         [](const DockerModelOutput& o) {
           CHECK(routerService(o, "a") == "api@internal");
           CHECK(urls(o, "c").size() == 1);
         }},
        {"with two services, routers naming one are kept",
         nullptr,
         {ctr("c", {{"traefik.http.routers.a.rule", "Host(`a`)"},
                    {"traefik.http.routers.a.service", "s2"},
                    {"traefik.http.services.s1.loadbalancer.server.port", "8000"},
                    {"traefik.http.services.s2.loadbalancer.server.port", "9000"}})},
         [](const DockerModelOutput& o) {
           CHECK(routerService(o, "a") == "s2");
           CHECK(o.errors.empty());
         }},
        {"HTTP middlewares only: still the auto router and service",
         nullptr,
         {ctr("c", {{"traefik.http.middlewares.gz.compress", "true"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "c") == "Host(`c`)");
           CHECK(o.config.http.middlewares.count("gz") == 1);
         }},
        {"TCP plus HTTP middleware: HTTP is generated too",
         nullptr,
         {ctr("c", {{"traefik.tcp.routers.t.rule", "HostSNI(`*`)"},
                    {"traefik.http.middlewares.gz.compress", "true"}})},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "c") == "Host(`c`)");
           CHECK(o.config.tcp.routers.at("t").service == "c");
           CHECK(o.config.tcp.services.at("c").load_balancer->servers.at(0).address ==
                 "172.17.0.2:80");
         }},
        {"TCP router without rule dropped",
         nullptr,
         {ctr("c", {{"traefik.tcp.routers.t.entrypoints", "db"},
                    {"traefik.tcp.services.t.loadbalancer.server.port", "5432"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.tcp.routers.empty());
           CHECK(o.config.tcp.services.count("t") == 1);
           CHECK(has(o.errors, "c", "TCP router t: empty rule"));
         }},
        {"TCP router with two services and no service dropped",
         nullptr,
         {ctr("c", {{"traefik.tcp.routers.t.rule", "HostSNI(`*`)"},
                    {"traefik.tcp.services.a.loadbalancer.server.port", "1"},
                    {"traefik.tcp.services.b.loadbalancer.server.port", "2"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.tcp.routers.empty());
           CHECK(has(o.errors, "c", "TCP router t: cannot be linked automatically"));
         }},
        {"TCP passthrough and server tls",
         nullptr,
         {ctr("c", {{"traefik.tcp.routers.t.rule", "HostSNI(`db.example.com`)"},
                    {"traefik.tcp.routers.t.tls.passthrough", "true"},
                    {"traefik.tcp.services.t.loadbalancer.server.port", "5432"},
                    {"traefik.tcp.services.t.loadbalancer.server.tls", "true"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.tcp.routers.at("t").tls->passthrough);
           const auto& s = o.config.tcp.services.at("t").load_balancer->servers.at(0);
           CHECK(s.tls);
           CHECK(s.address == "172.17.0.2:5432");
         }},
        {"UDP",
         nullptr,
         {ctr("dns", {{"traefik.udp.routers.u.entrypoints", "dns"},
                      {"traefik.udp.services.u.loadbalancer.server.port", "53"}})},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.empty());
           CHECK(o.config.udp.routers.at("u").service == "u");
           CHECK(o.config.udp.services.at("u").load_balancer->servers.at(0).address ==
                 "172.17.0.2:53");
         }},
        {"several services each get this container's server",
         nullptr,
         {ctr("c", {{"traefik.http.services.a.loadbalancer.server.port", "8000"},
                    {"traefik.http.services.b.loadbalancer.server.port", "9000"},
                    {"traefik.http.routers.r.rule", "Host(`r`)"},
                    {"traefik.http.routers.r.service", "a"}})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "a") == std::vector<std::string>{"http://172.17.0.2:8000"});
           CHECK(urls(o, "b") == std::vector<std::string>{"http://172.17.0.2:9000"});
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.7 default rule errors") {
    std::vector<Row> rows = {
        {"render error drops only that container's default routers",
         [](DockerModelSettings& s) { s.default_rule = "Host(`{{ .Nmae }}`)"; },
         {ctr("a"), ctr("b", {{"traefik.http.routers.b.rule", "Host(`b`)"}}, "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "a") == "<no router>");
           CHECK(has(o.errors, "a", "router a: default rule"));
           CHECK(has(o.errors, "a", "can't evaluate field Nmae"));
           CHECK(urls(o, "a").size() == 1);  // the service stays
           CHECK(rule(o, "b") == "Host(`b`)");
         }},
        {"empty default rule drops the router",
         [](DockerModelSettings& s) {
           s.default_rule = "{{ with index .Labels \"host\" }}Host(`{{ . }}`){{ end }}";
         },
         {ctr("a"), ctr("b", {{"host", "b.example.com"}}, "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "a") == "<no router>");
           CHECK(has(o.errors, "a", "the default rule produced an empty rule"));
           CHECK(rule(o, "b") == "Host(`b.example.com`)");
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.8 networks and addresses") {
    auto two_nets = [](Labels labels) {
      ContainerInfo c = ctr("app", std::move(labels));
      c.networks = {{"front", "10.0.1.5", ""}, {"back", "10.0.2.5", ""}};
      return c;
    };
    ContainerInfo v6 = ctr("v6");
    v6.networks = {{"net6", "", "fd00::5"}};
    ContainerInfo owner = ctr("vpn", {{"traefik.enable", "false"}}, "10.9.0.2");
    ContainerInfo sidecar =
        ctr("web", {{"traefik.http.services.w.loadbalancer.server.port", "8080"}});
    sidecar.network_mode = "container:id-vpn";
    sidecar.networks.clear();
    ContainerInfo orphan = sidecar;
    orphan.name = "orphan";
    orphan.id = "id-orphan";
    orphan.network_mode = "container:deadbeef";
    ContainerInfo nonet = ctr("nonet");
    nonet.network_mode = "none";
    nonet.networks.clear();
    std::vector<Row> rows = {
        {"B1.10 label picks the network",
         nullptr,
         {two_nets({{"traefik.docker.network", "front"}})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.1.5:80"});
           CHECK(o.infos.empty());
         }},
        {"B1.10 provider network setting",
         [](DockerModelSettings& s) { s.network = "front"; },
         {two_nets({})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.1.5:80"});
         }},
        {"B1.10 label beats the provider setting",
         [](DockerModelSettings& s) { s.network = "front"; },
         {two_nets({{"traefik.docker.network", "back"}})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.2.5:80"});
         }},
        {"B1.10 no label: the network shared with Pier",
         [](DockerModelSettings& s) { s.proxy_networks = {"front"}; },
         {two_nets({})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.1.5:80"});
           CHECK(has(o.infos, "app", "using front (shared with Pier)"));
         }},
        {"B1.10 no label, no shared network: first by name, deterministic",
         nullptr,
         {two_nets({})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.2.5:80"});
           CHECK(has(o.infos, "app", "several networks (back, front); using back (first by name)"));
           REQUIRE(o.servers.size() == 1);
           CHECK(o.servers[0].network == "back");
         }},
        {"label naming an unknown network warns and falls back",
         nullptr,
         {two_nets({{"traefik.docker.network", "frontend"}})},
         [](const DockerModelOutput& o) {
           CHECK(has(o.warnings, "app", "network \"frontend\" (from traefik.docker.network)"));
           CHECK(has(o.warnings, "app", "attached: front, back"));
           CHECK(urls(o, "app") == std::vector<std::string>{"http://10.0.2.5:80"});
         }},
        {"IPv6-only network is bracketed",
         nullptr,
         {v6},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "v6") == std::vector<std::string>{"http://[fd00::5]:80"});
         }},
        {"network_mode container: uses the other container's address",
         nullptr,
         {owner, sidecar},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "w") == std::vector<std::string>{"http://10.9.0.2:8080"});
           CHECK(rule(o, "vpn") == "<no router>");
         }},
        {"network_mode container: unknown container skips",
         nullptr,
         {orphan},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.services.empty());
           CHECK(has(o.errors, "orphan", "network_mode container:deadbeef"));
         }},
        {"no network at all skips the container",
         nullptr,
         {nonet},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.services.empty());
           CHECK(has(o.errors, "nonet", "no IP address"));
         }},
        {"TCP/UDP ports mixed: the lowest wins (53/udp before 8080/tcp)",
         nullptr,
         {[] {
           ContainerInfo c = ctr("dns");
           c.ports = {{8080, "tcp", "", 0}, {53, "udp", "", 0}, {53, "tcp", "", 0}};
           return c;
         }()},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "dns") == std::vector<std::string>{"http://172.17.0.2:53"});
           CHECK(has(o.warnings, "dns", "several ports (53, 8080)"));
         }},
    };
    runRows(rows);
  }

  TEST_CASE("B.8 useBindPortIP table") {
    struct BindRow {
      const char* id;
      const char* port_label;
      std::vector<PortBinding> ports;
      const char* url;
    };
    const BindRow rows[] = {
        {"no label, no binding", "", {{80, "tcp", "", 0}}, "http://172.17.0.2:80"},
        {"no label, 0.0.0.0 binding", "", {{80, "tcp", "0.0.0.0", 8000}}, "http://172.17.0.2:80"},
        {"no label, ExtIP binding",
         "",
         {{80, "tcp", "192.168.1.10", 8000}},
         "http://192.168.1.10:8000"},
        {"label, no binding", "81", {{80, "tcp", "", 0}}, "http://172.17.0.2:81"},
        {"label, binding on that port",
         "81",
         {{81, "tcp", "192.168.1.10", 8001}},
         "http://192.168.1.10:8001"},
        {"label, binding on another port",
         "81",
         {{80, "tcp", "192.168.1.10", 8000}},
         "http://172.17.0.2:81"},
        {"IPv6 any binding", "", {{80, "tcp", "::", 8000}}, "http://172.17.0.2:80"},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      DockerModelSettings s;
      s.use_bind_port_ip = true;
      auto model = DockerModel::create(s);
      REQUIRE(model);
      ContainerInfo c = ctr("c");
      c.ports = r.ports;
      if (*r.port_label)
        c.labels["traefik.http.services.c.loadbalancer.server.port"] = r.port_label;
      auto out = model->build({c});
      CHECK(urls(out, "c") == std::vector<std::string>{r.url});
    }
  }

  TEST_CASE("B.9 merging and conflicts") {
    Labels same = {{"traefik.http.routers.r.rule", "Host(`r`)"},
                   {"traefik.http.services.s.loadbalancer.server.port", "8080"}};
    Labels pass_off = same;
    pass_off["traefik.http.services.s.loadbalancer.passhostheader"] = "false";
    Labels weight = same;
    weight["traefik.http.services.s.loadbalancer.server.weight"] = "3";
    std::vector<Row> rows = {
        {"identical explicit labels on replicas merge",
         nullptr,
         {compose("p", "a", 1, same, "10.0.0.1"), compose("p", "a", 2, same, "10.0.0.2")},
         [](const DockerModelOutput& o) {
           CHECK(rule(o, "r") == "Host(`r`)");
           CHECK(urls(o, "s") ==
                 std::vector<std::string>{"http://10.0.0.1:8080", "http://10.0.0.2:8080"});
           CHECK(o.conflicts.empty());
           REQUIRE(o.servers.size() == 2);
         }},
        {"service settings differ: service removed, router stays",
         nullptr,
         {compose("p", "a", 1, same, "10.0.0.1"), compose("p", "a", 2, pass_off, "10.0.0.2")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.services.count("s") == 0);
           CHECK(rule(o, "r") == "Host(`r`)");
           REQUIRE(o.conflicts.size() == 1);
           CHECK(o.conflicts[0].kind == "HTTP service");
           CHECK(o.conflicts[0].field == "loadBalancer.passHostHeader");
           CHECK(o.servers.empty());
         }},
        {"per-server weight may differ between replicas",
         nullptr,
         {compose("p", "a", 1, same, "10.0.0.1"), compose("p", "a", 2, weight, "10.0.0.2")},
         [](const DockerModelOutput& o) {
           REQUIRE(urls(o, "s").size() == 2);
           CHECK(o.config.http.services.at("s").load_balancer->servers[1].weight == 3);
         }},
        {"same server URL is not duplicated",
         nullptr,
         {ctr("a", {{"traefik.http.services.s.loadbalancer.server.url", "http://x:1"}}),
          ctr("b", {{"traefik.http.services.s.loadbalancer.server.url", "http://x:1"},
                    {"traefik.http.routers.a.rule", "Host(`a`)"}})},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "s") == std::vector<std::string>{"http://x:1"});
         }},
        {"middleware conflict removes only the middleware",
         nullptr,
         {ctr("a", {{"traefik.http.middlewares.m.stripprefix.prefixes", "/a"}}),
          ctr("b", {{"traefik.http.middlewares.m.stripprefix.prefixes", "/b"}}, "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.middlewares.count("m") == 0);
           REQUIRE(o.conflicts.size() == 1);
           CHECK(o.conflicts[0].kind == "HTTP middleware");
           CHECK(rule(o, "a") == "Host(`a`)");
           CHECK(rule(o, "b") == "Host(`b`)");
         }},
        {"default-rule router vs explicit router with the same text conflict",
         nullptr,
         {ctr("x"), ctr("y",
                        {{"traefik.http.routers.x.rule", "Host(`x`)"},
                         {"traefik.http.routers.x.service", "x"}},
                        "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.http.routers.count("x") == 0);
           CHECK(o.default_rule_routers.count("x") == 0);
           REQUIRE(o.conflicts.size() == 1);
         }},
        {"TCP router conflict",
         nullptr,
         {ctr("a", {{"traefik.tcp.routers.t.rule", "HostSNI(`*`)"},
                    {"traefik.tcp.routers.t.service", "t"},
                    {"traefik.tcp.services.t.loadbalancer.server.port", "1"}}),
          ctr("b",
              {{"traefik.tcp.routers.t.rule", "HostSNI(`b`)"},
               {"traefik.tcp.routers.t.service", "t"},
               {"traefik.tcp.services.t.loadbalancer.server.port", "1"}},
              "172.17.0.3")},
         [](const DockerModelOutput& o) {
           CHECK(o.config.tcp.routers.empty());
           CHECK(o.config.tcp.services.at("t").load_balancer->servers.size() == 2);
         }},
        {"kept-but-starting replica merges with no extra server",
         [](DockerModelSettings& s) { s.allow_empty_services = true; },
         {compose("p", "a", 1, same, "10.0.0.1"),
          [&] {
            ContainerInfo c = compose("p", "a", 2, same, "10.0.0.2");
            c.health = "starting";
            return c;
          }()},
         [](const DockerModelOutput& o) {
           CHECK(urls(o, "s") == std::vector<std::string>{"http://10.0.0.1:8080"});
           CHECK(o.conflicts.empty());
         }},
    };
    runRows(rows);
  }

  TEST_CASE("create: invalid defaultRule or constraints stop the provider (spec I.2)") {
    DockerModelSettings bad_rule;
    bad_rule.default_rule = "Host(`{{ nope .Name }}`)";
    auto r1 = DockerModel::create(bad_rule);
    REQUIRE_FALSE(r1.has_value());
    CHECK(r1.error().message.rfind("providers.docker.defaultRule: defaultRule \"", 0) == 0);
    CHECK(r1.error().message.find("function \"nope\" not defined") != std::string::npos);

    DockerModelSettings bad_constraints;
    bad_constraints.constraints = "Label(`a`)";
    auto r2 = DockerModel::create(bad_constraints);
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error().message.rfind("providers.docker.constraints: constraints \"", 0) == 0);

    pier::config::DockerProvider p;
    p.exposed_by_default = false;
    p.network = "front";
    auto s = DockerModelSettings::fromStatic(p);
    CHECK_FALSE(s.exposed_by_default);
    CHECK(s.network == "front");
    CHECK(s.default_rule == "Host(`{{ normalize .Name }}`)");
  }

  TEST_CASE("service names (spec B.5)") {
    ContainerInfo c = ctr("my_app.v2");
    CHECK(containerServiceName(c) == "my-app-v2");
    ContainerInfo only_project = ctr("x", {{"com.docker.compose.project", "shop"}});
    CHECK(containerServiceName(only_project) == "x");
    CHECK(containerServiceName(compose("shop", "web", 1)) == "web-shop");
  }
}
