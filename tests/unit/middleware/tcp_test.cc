// TCP middlewares: built from YAML as the file provider would, checked per connection.
#include <doctest/doctest.h>

#include "config/dynamic_decode.h"
#include "config/dynamic_merge.h"
#include "middleware/tcp_middleware.h"

using namespace pier;

namespace {

struct TcpSet {
  config::DynamicConfig dyn;
  std::optional<middleware::TcpMiddlewareSet> set;

  explicit TcpSet(const std::string& yaml) {
    auto parsed = config::parseDynamicYaml("tcp:\n  middlewares:\n" + yaml, "dyn.yml");
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
    dyn = *parsed;
    config::qualifyNames(dyn, "file");
    set.emplace(dyn.tcp.middlewares);
  }
  Result<std::vector<middleware::TcpMiddlewarePtr>> list(const std::vector<std::string>& refs) {
    return set->listFor(refs);
  }
};

base::IpAddress ip(const char* text) {
  return *base::IpAddress::parse(text);
}

}  // namespace

TEST_CASE("TCP ipAllowList admits only addresses in sourceRange") {
  TcpSet s("    lo: {ipAllowList: {sourceRange: [127.0.0.1/32, \"::1\"]}}\n");
  auto list = s.list({"lo@file"});
  REQUIRE(list);
  std::vector<middleware::TcpMiddlewarePtr> held;
  std::string refused;
  CHECK(middleware::admitTcpConnection(*list, ip("127.0.0.1"), held, refused));
  CHECK(middleware::admitTcpConnection(*list, ip("::1"), held, refused));
  CHECK(held.empty());  // allow lists hold nothing
  CHECK_FALSE(middleware::admitTcpConnection(*list, ip("10.0.0.1"), held, refused));
  CHECK(refused == "lo@file");
}

TEST_CASE("TCP inFlightConn counts per IP and gives slots back") {
  TcpSet s(
      "    two: {inFlightConn: {amount: 2}}\n    none: {ipAllowList: {sourceRange: "
      "[10.0.0.0/8]}}\n");
  auto two = s.list({"two@file"});
  REQUIRE(two);
  std::string refused;
  std::vector<middleware::TcpMiddlewarePtr> a, b, c, other;
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.1"), a, refused));
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.1"), b, refused));
  CHECK_FALSE(middleware::admitTcpConnection(*two, ip("127.0.0.1"), c, refused));
  CHECK(c.empty());
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.2"), other, refused));  // per IP
  middleware::releaseTcpSlots(a, ip("127.0.0.1"));
  CHECK(a.empty());
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.1"), c, refused));

  // A refusal later in the list gives back the slot an earlier middleware took.
  auto both = s.list({"two@file", "none@file"});
  REQUIRE(both);
  std::vector<middleware::TcpMiddlewarePtr> d;
  CHECK_FALSE(middleware::admitTcpConnection(*both, ip("127.0.0.9"), d, refused));
  CHECK(refused == "none@file");
  std::vector<middleware::TcpMiddlewarePtr> e, f;
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.9"), e, refused));
  CHECK(middleware::admitTcpConnection(*two, ip("127.0.0.9"), f, refused));
}

TEST_CASE("TCP middleware errors name the middleware and what is expected") {
  TcpSet s(
      "    bad: {ipAllowList: {sourceRange: [nope]}}\n"
      "    zero: {inFlightConn: {amount: 0}}\n");
  auto bad = s.list({"bad@file"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("\"bad@file\"") != std::string::npos);
  CHECK(bad.error().message.find("\"nope\" is not an IP address or CIDR range") !=
        std::string::npos);
  auto zero = s.list({"zero@file"});
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message.find("amount") != std::string::npos);
  auto missing = s.list({"ghost@file"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "TCP middleware \"ghost@file\" does not exist");
}
