// Static configuration: sources, precedence, sections, defaults (spec A.1-A.11).
#include "config/static_loader.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace pier::config;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Loads from flags/env only: no directory is searched for a file.
LoadedStatic load(const std::vector<std::string>& args, const Environment& env = {}) {
  auto r = loadStaticConfig(args, env, {});
  if (!r)
    FAIL(r.error().message);
  return std::move(*r);
}

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("pier-config-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("A1.1: flags define entry points, docker and the insecure API") {
    auto s = load({"--entrypoints.web.address=:8000", "--providers.docker", "--api.insecure"});
    CHECK(s.source == "flags");
    REQUIRE(s.config.entry_points.size() == 2);
    CHECK(s.config.entry_points.at("web").address.port == 8000);
    CHECK(s.config.entry_points.at("traefik").address.port == 8080);  // A.6
    CHECK(s.config.providers.docker.has_value());
    REQUIRE(s.config.api.has_value());
    CHECK(s.config.api->insecure);
    CHECK(s.config.api->dashboard);
  }

  TEST_CASE("A1.3: field names are case-insensitive, entry-point names keep their case") {
    auto s = load({"--ENTRYPOINTS.Web.ADDRESS=:8000"});
    REQUIRE(s.config.entry_points.contains("Web"));
    CHECK(s.config.entry_points.at("Web").address.port == 8000);
  }

  TEST_CASE("A1.4: environment variables when there is no file and no flag") {
    auto s = load({}, {{"TRAEFIK_ENTRYPOINTS_WEB_ADDRESS", ":8001"},
                       {"TRAEFIK_PROVIDERS_DOCKER", "true"},
                       {"TRAEFIK_NOT_A_ROOT", "x"},
                       {"PATH", "/bin"}});
    CHECK(s.source == "environment");
    CHECK(s.config.entry_points.at("web").address.port == 8001);
    CHECK(s.config.providers.docker.has_value());
  }

  TEST_CASE("A.4: lists of sections in env use a numeric segment") {
    auto s =
        load({}, {{"TRAEFIK_ENTRYPOINTS_WEBSECURE_ADDRESS", ":443"},
                  {"TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_DOMAINS_1_MAIN", "b.example.com"},
                  {"TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_DOMAINS_0_MAIN", "a.example.com"},
                  {"TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_DOMAINS_0_SANS", "x.a.example.com"}});
    const auto& domains = s.config.entry_points.at("websecure").http.tls->domains;
    REQUIRE(domains.size() == 2);
    CHECK(domains[0].main == "a.example.com");
    CHECK(domains[0].sans == std::vector<std::string>{"x.a.example.com"});
    CHECK(domains[1].main == "b.example.com");
  }

  TEST_CASE("A.4: PIER_ is an alias of TRAEFIK_ and wins on conflict; flags beat env") {
    auto s = load(
        {}, {{"PIER_WORKERS", "4"}, {"TRAEFIK_LOG_LEVEL", "info"}, {"PIER_LOG_LEVEL", "debug"}});
    CHECK(s.config.workers == 4);
    CHECK(s.config.effectiveLog().level == "DEBUG");
    auto f = load({"--workers=2"}, {{"PIER_WORKERS", "4"}});
    CHECK(f.source == "flags");
    CHECK(f.config.workers == 2);
  }

  TEST_CASE("A1.5, A1.6, A.2: enabling and disabling sections") {
    auto a15 = load({"--providers.docker.exposedbydefault=false"});
    REQUIRE(a15.config.providers.docker.has_value());
    CHECK_FALSE(a15.config.providers.docker->exposed_by_default);
    CHECK(a15.config.providers.docker->endpoint == "unix:///var/run/docker.sock");
    CHECK(a15.config.providers.docker->watch);

    CHECK_FALSE(load({"--providers.docker=false"}).config.providers.docker.has_value());
    CHECK(load({"--ping=true"}).config.ping.has_value());
    CHECK(load({"--ping=T"}).config.ping.has_value());
    CHECK_FALSE(load({"--ping=0"}).config.ping.has_value());
    auto child = load({"--ping.entrypoint=web", "--entrypoints.web.address=:80"});
    REQUIRE(child.config.ping.has_value());
    CHECK(child.config.ping->entry_point == "web");
    CHECK(child.config.ping->terminating_status_code == 503);
    CHECK_FALSE(child.config.entry_points.contains("traefik"));
    CHECK(load({"--accesslog"}).config.access_log->format == "common");
    CHECK(load({"--metrics.prometheus"}).config.metrics->prometheus->buckets ==
          std::vector<double>{0.1, 0.3, 1.2, 5.0});
  }

  TEST_CASE("A1.8, A1.9: durations and indexed lists from flags") {
    auto s = load({"--entrypoints.web.address=:80",
                   "--entrypoints.web.transport.respondingTimeouts.readTimeout=5",
                   "--entrypoints.web.transport.lifecycle.gracetimeout=1m30s",
                   "--entrypoints.websecure.address=:443",
                   "--entrypoints.websecure.http.tls.domains[0].main=example.com",
                   "--entrypoints.websecure.http.tls.domains[0].sans=a.example.com,b.example.com"});
    const auto& web = s.config.entry_points.at("web");
    CHECK(web.transport.responding_timeouts.read_timeout == 5s);
    CHECK(web.transport.responding_timeouts.idle_timeout == 180s);  // default
    CHECK(web.transport.life_cycle.grace_time_out == 90s);
    const auto& tls = s.config.entry_points.at("websecure").http.tls;
    REQUIRE(tls.has_value());
    REQUIRE(tls->domains.size() == 1);
    CHECK(tls->domains[0].main == "example.com");
    CHECK(tls->domains[0].sans == std::vector<std::string>{"a.example.com", "b.example.com"});
  }

  TEST_CASE("A1.12, A1.13: implicit entry points (spec A.6)") {
    auto a112 = load({"--providers.docker"});
    REQUIRE(a112.config.entry_points.size() == 1);
    CHECK(a112.config.entry_points.at("http").address.port == 80);

    auto a113 = load({"--ping", "--entrypoints.web.address=:80"});
    CHECK(a113.config.entry_points.at("traefik").address.port == 8080);
    CHECK_FALSE(a113.config.entry_points.contains("http"));

    auto manual =
        load({"--metrics.prometheus.manualrouting=true", "--entrypoints.web.address=:80"});
    CHECK_FALSE(manual.config.entry_points.contains("traefik"));
    auto own = load({"--api.insecure", "--entrypoints.traefik.address=:9000"});
    CHECK(own.config.entry_points.at("traefik").address.port == 9000);
    auto defaults = load({});
    CHECK(defaults.source == "defaults");
    CHECK(defaults.config.entry_points.contains("http"));
  }

  TEST_CASE("A1.15, A.7: entry-point addresses") {
    struct Case {
      const char* text;
      const char* host;
      int port;
      ListenAddress::Protocol proto;
    };
    const Case cases[] = {{":80", "", 80, ListenAddress::Protocol::Tcp},
                          {"127.0.0.1:8080", "127.0.0.1", 8080, ListenAddress::Protocol::Tcp},
                          {"[::]:80", "::", 80, ListenAddress::Protocol::Tcp},
                          {":8443/tcp", "", 8443, ListenAddress::Protocol::Tcp},
                          {":53/udp", "", 53, ListenAddress::Protocol::Udp},
                          {":53/UDP", "", 53, ListenAddress::Protocol::Udp}};
    for (const auto& c : cases) {
      CAPTURE(c.text);
      auto s = load({std::string("--entrypoints.ep.address=") + c.text});
      const auto& a = s.config.entry_points.at("ep").address;
      CHECK(a.host == c.host);
      CHECK(a.port == c.port);
      CHECK(a.protocol == c.proto);
    }
    for (const char* bad : {":53/sctp", "80", ":99999", "::1:80", ":http"}) {
      CAPTURE(bad);
      auto r = loadStaticConfig({std::string("--entrypoints.ep.address=") + bad}, {}, {});
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().message.find("entryPoints.ep.address") != std::string::npos);
    }
  }

  TEST_CASE("A.3: flag grammar - next-argument values, bare booleans, repeated lists, --") {
    auto s =
        load({"-entrypoints.web.address", ":81", "--entrypoints.web.forwardedheaders.trustedips",
              "10.0.0.0/8", "--entrypoints.web.forwardedHeaders.trustedIPs=172.16.0.0/12, ::1",
              "--entrypoints.web.forwardedheaders.insecure", "--log.level", "info", "--",
              "--not-parsed"});
    const auto& fh = s.config.entry_points.at("web").forwarded_headers;
    CHECK(s.config.entry_points.at("web").address.port == 81);
    CHECK(fh.trusted_ips == std::vector<std::string>{"10.0.0.0/8", "172.16.0.0/12", "::1"});
    CHECK(fh.insecure);
    CHECK(s.config.log->level == "INFO");
  }

  TEST_CASE("A.7, A.11: defaults of a created entry point and of sections") {
    auto s = load({"--entrypoints.web.address=:80", "--api", "--log", "--providers.swarm"});
    const auto& web = s.config.entry_points.at("web");
    CHECK(web.transport.responding_timeouts.read_timeout == 60s);
    CHECK(web.transport.responding_timeouts.write_timeout == 0s);
    CHECK(web.transport.life_cycle.grace_time_out == 10s);
    CHECK(web.http.max_header_bytes == 1048576);
    CHECK(web.http.sanitize_path);
    CHECK(web.http.encoded_characters.allow_encoded_slash);
    CHECK(web.http.underscore_headers_strategy == "keep");
    CHECK(s.config.providers.providers_throttle_duration == 2s);
    CHECK(s.config.providers.swarm->refresh_seconds == 15s);
    CHECK(s.config.api->base_path == "/");
    CHECK(s.config.log->format == "common");
    CHECK(s.config.servers_transport.max_idle_conns_per_host == 200);
    CHECK(s.config.servers_transport.forwarding_timeouts.idle_conn_timeout == 90s);
    CHECK(s.config.tcp_servers_transport.dial_keep_alive == 15s);
  }

  TEST_CASE("A.7: redirections, TLS, file provider, ACME from flags") {
    auto s = load({"--entrypoints.web.address=:80",
                   "--entrypoints.web.http.redirections.entrypoint.to=websecure",
                   "--entrypoints.web.http.redirections.entrypoint.permanent=false",
                   "--entrypoints.websecure.address=:443", "--entrypoints.websecure.http.tls",
                   "--providers.file.directory=/etc/pier/dynamic",
                   "--certificatesresolvers.le.acme.email=me@example.com",
                   "--certificatesresolvers.le.acme.httpchallenge.entrypoint=web"});
    const auto& redirect = s.config.entry_points.at("web").http.redirections.entry_point;
    REQUIRE(redirect.has_value());
    CHECK(redirect->to == "websecure");
    CHECK(redirect->scheme == "https");
    CHECK_FALSE(redirect->permanent);
    CHECK(s.config.entry_points.at("websecure").http.tls.has_value());
    CHECK(s.config.providers.file->watch);
    const auto& acme = s.config.certificates_resolvers.at("le").acme;
    REQUIRE(acme.has_value());
    CHECK(acme->storage == "acme.json");
    CHECK(acme->http_challenge->entry_point == "web");
    CHECK(acme->key_type == "RSA4096");
  }

  TEST_CASE("A1.2, A.1: a configuration file wins and the ignored sources are reported") {
    TempDir dir;
    dir.write("traefik.yml", "entryPoints:\n  alt:\n    address: \":9000\"\n");
    auto r = loadStaticConfig({"--entrypoints.web.address=:8000", "--providers.docker"},
                              {{"TRAEFIK_PING", "true"}}, {dir.path.string()});
    REQUIRE(r.has_value());
    CHECK(r->source == "file " + (dir.path / "traefik.yml").string());
    REQUIRE(r->config.entry_points.size() == 1);
    CHECK(r->config.entry_points.at("alt").address.port == 9000);
    CHECK_FALSE(r->config.providers.docker.has_value());
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("--providers.docker") != std::string::npos);
    CHECK(r->warnings[0].find("TRAEFIK_PING") != std::string::npos);
  }

  TEST_CASE("A.1: search order, explicit --configFile, TOML refused") {
    TempDir first, second;
    second.write("pier.yaml", "workers: 3\n");
    second.write("traefik.yml", "workers: 5\n");
    auto r = loadStaticConfig({}, {}, {first.path.string(), second.path.string()});
    REQUIRE(r.has_value());
    CHECK(r->config.workers == 3);  // pier.* before traefik.* in one directory

    std::string explicit_file = first.write("custom.yml", "workers: 7\n");
    auto e = loadStaticConfig({"--configfile", explicit_file}, {}, {second.path.string()});
    REQUIRE(e.has_value());
    CHECK(e->config.workers == 7);
    auto e2 = loadStaticConfig({"--configFile=" + explicit_file}, {}, {});
    REQUIRE(e2.has_value());
    CHECK(e2->config.workers == 7);

    first.write("traefik.toml", "[entryPoints]\n");
    auto toml = loadStaticConfig({}, {}, {first.path.string()});
    REQUIRE_FALSE(toml.has_value());
    CHECK(toml.error().message.find("TOML is not supported") != std::string::npos);
    auto missing = loadStaticConfig({"--configFile=/nonexistent/pier.yml"}, {}, {});
    CHECK_FALSE(missing.has_value());
  }

  TEST_CASE("A.5: YAML file form - sections, lists, durations, unsupported sections") {
    TempDir dir;
    std::string file = dir.write("pier.yml", R"(entryPoints:
  web:
    address: ":80"
    forwardedHeaders:
      trustedIPs: ["10.0.0.0/8"]
    transport:
      respondingTimeouts:
        readTimeout: 5
        idleTimeout: 2m
providers:
  docker: {}
ping:
tracing:
  otlp: {}
somethingElse: 1
)");
    auto r = loadStaticConfig({"--configFile=" + file}, {}, {});
    REQUIRE(r.has_value());
    const auto& web = r->config.entry_points.at("web");
    CHECK(web.forwarded_headers.trusted_ips == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(web.transport.responding_timeouts.read_timeout == 5s);
    CHECK(web.transport.responding_timeouts.idle_timeout == 2min);
    CHECK(r->config.providers.docker.has_value());
    CHECK(r->config.ping.has_value());
    REQUIRE(r->warnings.size() == 2);
    CHECK(r->warnings[0] == file + ":13: tracing: accepted but not supported by Pier; ignored");
    CHECK(r->warnings[1].find("unknown top-level key `somethingElse`") != std::string::npos);
  }
}
