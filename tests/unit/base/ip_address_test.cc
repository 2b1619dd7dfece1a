#include "base/ip_address.h"

#include <doctest/doctest.h>

using pier::base::CidrRange;
using pier::base::IpAddress;

TEST_CASE("ip: v4 and v6 parse and print") {
  CHECK(IpAddress::parse("1.2.3.4")->toString() == "1.2.3.4");
  CHECK(IpAddress::parse("::1")->toString() == "::1");
  CHECK(IpAddress::parse("fe80::1%eth0")->toString() == "fe80::1");
  CHECK_FALSE(IpAddress::parse("1.2.3"));
  CHECK_FALSE(IpAddress::parse("[::1]"));
}

TEST_CASE("ip: CIDR containment across families") {
  auto r = CidrRange::parse("10.0.0.0/8");
  REQUIRE(r);
  CHECK(r->contains(*IpAddress::parse("10.200.1.1")));
  CHECK_FALSE(r->contains(*IpAddress::parse("11.0.0.1")));
  CHECK_FALSE(r->contains(*IpAddress::parse("::1")));
  auto v6 = CidrRange::parse("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains(*IpAddress::parse("2001:db8:1::5")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("2001:db9::5")));
  auto single = CidrRange::parse("127.0.0.1");
  REQUIRE(single);
  CHECK(single->contains(*IpAddress::parse("127.0.0.1")));
  CHECK_FALSE(single->contains(*IpAddress::parse("127.0.0.2")));
  CHECK_FALSE(CidrRange::parse("10.0.0.0/33"));
  CHECK_FALSE(CidrRange::parse("nonsense/8"));
}
