// Endpoint selection (spec A.8): providers.docker.endpoint, then the Docker client's
// environment variables, which win.
#include <doctest/doctest.h>

#include "providers/docker/engine_client.h"

namespace pier::providers::docker {
namespace {

TEST_SUITE("providers.docker.endpoint") {
  TEST_CASE("default unix socket") {
    config::DockerProvider p;
    EngineSettings s = engineSettingsFrom(p, {});
    auto ep = resolveEndpoint(s);
    REQUIRE(ep);
    CHECK(ep->unix_socket == "/var/run/docker.sock");
    CHECK(ep->base_url == "http://localhost");
    CHECK(s.http_client_timeout.count() == 0);
  }

  TEST_CASE("DOCKER_HOST overrides endpoint; tcp is http unless TLS is configured") {
    config::DockerProvider p;
    p.endpoint = "unix:///other.sock";
    EngineSettings s = engineSettingsFrom(p, {{"DOCKER_HOST", "tcp://10.0.0.1:2375"}});
    auto ep = resolveEndpoint(s);
    REQUIRE(ep);
    CHECK(ep->unix_socket.empty());
    CHECK(ep->base_url == "http://10.0.0.1:2375");
    p.tls = config::ClientTls{"/ca.pem", "", "", false};
    ep = resolveEndpoint(engineSettingsFrom(p, {{"DOCKER_HOST", "tcp://h:2376"}}));
    REQUIRE(ep);
    CHECK(ep->base_url == "https://h:2376");
  }

  TEST_CASE("DOCKER_CERT_PATH turns TLS on; DOCKER_TLS_VERIFY decides verification") {
    config::DockerProvider p;
    EngineSettings s =
        engineSettingsFrom(p, {{"DOCKER_HOST", "tcp://h:2376"}, {"DOCKER_CERT_PATH", "/certs"}});
    REQUIRE(s.tls);
    CHECK(s.tls->ca == "/certs/ca.pem");
    CHECK(s.tls->insecure_skip_verify);
    s = engineSettingsFrom(p, {{"DOCKER_CERT_PATH", "/certs"}, {"DOCKER_TLS_VERIFY", "1"}});
    CHECK_FALSE(s.tls->insecure_skip_verify);
  }

  TEST_CASE("DOCKER_API_VERSION pins the version; negative timeouts become none") {
    config::DockerProvider p;
    p.http_client_timeout = std::chrono::seconds(-3);
    EngineSettings s = engineSettingsFrom(p, {{"DOCKER_API_VERSION", "1.41"}});
    CHECK(s.api_version == "1.41");
    CHECK(s.http_client_timeout.count() == 0);
    p.http_client_timeout = std::chrono::milliseconds(1500);
    CHECK(engineSettingsFrom(p, {}).http_client_timeout.count() == 1500);
  }

  TEST_CASE("unsupported or malformed endpoints are config errors") {
    for (const char* e : {"ssh://me@host", "ftp://x", "unix://", "tcp://", "tcp://h:1/path"}) {
      EngineSettings s;
      s.endpoint = e;
      CHECK_FALSE(resolveEndpoint(s));
    }
  }
}

}  // namespace
}  // namespace pier::providers::docker
