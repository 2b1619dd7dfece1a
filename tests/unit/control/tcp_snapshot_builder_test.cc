#include "control/tcp_snapshot_builder.h"

#include <doctest/doctest.h>

using namespace pier;

TEST_CASE("tcp snapshot: server addresses are host:port or [v6]:port") {
  auto v4 = control::parseTcpAddress("127.0.0.1:5432");
  REQUIRE(v4);
  CHECK(v4->address == "127.0.0.1:5432");
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 5432);
  auto name = control::parseTcpAddress("db.internal:6379");
  REQUIRE(name);
  CHECK(name->host == "db.internal");
  CHECK(name->port == 6379);
  auto v6 = control::parseTcpAddress("[::1]:8443");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8443);
}

TEST_CASE("tcp snapshot: a bad server address says what is expected") {
  for (const char* bad : {"no-port", ":5432", "host:", "host:0", "host:65536", "host:http"}) {
    auto r = control::parseTcpAddress(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "server address \"" + std::string(bad) + "\": expected host:port");
  }
  for (const char* bad : {"[::1]", "[::1:80", "[::1]80"}) {
    auto r = control::parseTcpAddress(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "server address \"" + std::string(bad) + "\": expected [ipv6]:port");
  }
}
