#include "health/probe.h"

#include <doctest/doctest.h>

using namespace pier;

namespace {

runtime::ServerSpec server(std::string url, std::string host, std::uint16_t port,
                           bool https = false) {
  runtime::ServerSpec s;
  s.url = std::move(url);
  s.host = std::move(host);
  s.port = port;
  s.https = https;
  return s;
}

std::string urlOf(const runtime::HealthCheckSpec& c, const runtime::ServerSpec& s) {
  auto u = health::probeUrl(c, s);
  REQUIRE(u);
  return *u;
}

}  // namespace

TEST_CASE("probe URL: path resolved against the server URL, scheme and port overrides") {
  runtime::HealthCheckSpec c;
  auto s = server("http://10.0.0.5:8080", "10.0.0.5", 8080);
  c.path = "/health";
  CHECK(urlOf(c, s) == "http://10.0.0.5:8080/health");
  c.path = "/health?status=200";
  CHECK(urlOf(c, s) == "http://10.0.0.5:8080/health?status=200");
  c.path = "";
  CHECK(urlOf(c, s) == "http://10.0.0.5:8080/");
  c.path = "ping";
  CHECK(urlOf(c, server("http://h:1/api/v1", "h", 1)) == "http://h:1/api/ping");
  c.path = "/health";
  CHECK(urlOf(c, server("http://h:1/api/v1", "h", 1)) == "http://h:1/health");
  c.scheme = "https";
  c.port = 9443;
  CHECK(urlOf(c, s) == "https://10.0.0.5:9443/health");
  c.scheme.clear();
  c.port = 0;
  CHECK(urlOf(c, server("https://[::1]", "::1", 443, true)) == "https://[::1]:443/health");
  CHECK(urlOf(c, server("h2c://h:81", "h", 81)) == "http://h:81/health");
}

TEST_CASE("probe URL: an absolute health path is refused") {
  runtime::HealthCheckSpec c;
  auto s = server("http://h:1", "h", 1);
  c.path = "http://elsewhere/health";
  auto u = health::probeUrl(c, s);
  REQUIRE_FALSE(u);
  CHECK(u.error().message.find("relative URL") != std::string::npos);
  c.path = "//elsewhere/health";
  CHECK_FALSE(health::probeUrl(c, s));
  c.path = "/a:b";  // a colon after the first slash is part of the path
  CHECK(health::probeUrl(c, s));
}

TEST_CASE("status: 0 accepts 2xx and 3xx; a configured status must match exactly") {
  CHECK(health::statusHealthy(0, 200));
  CHECK(health::statusHealthy(0, 204));
  CHECK(health::statusHealthy(0, 302));
  CHECK(health::statusHealthy(0, 399));
  CHECK_FALSE(health::statusHealthy(0, 199));
  CHECK_FALSE(health::statusHealthy(0, 400));
  CHECK_FALSE(health::statusHealthy(0, 503));
  CHECK(health::statusHealthy(204, 204));
  CHECK_FALSE(health::statusHealthy(204, 200));
  CHECK(health::statusProblem(0, 200).empty());
  CHECK(health::statusProblem(204, 200) == "received status code 200, expected 204");
  CHECK(health::statusProblem(0, 503) == "received status code 503");
}

TEST_CASE("interval: up servers use interval, down ones unhealthyInterval") {
  runtime::HealthCheckSpec c;
  c.interval = std::chrono::milliseconds(1000);
  c.unhealthy_interval = std::chrono::milliseconds(250);
  CHECK(health::probeInterval(c, true).count() == 1000);
  CHECK(health::probeInterval(c, false).count() == 250);
}
