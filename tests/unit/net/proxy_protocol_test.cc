#include "net/proxy_protocol.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <string>

namespace pier::net {
namespace {

sockaddr_in v4(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

sockaddr_in6 v6(const char* ip, int port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

const sockaddr* sa(const void* p) {
  return static_cast<const sockaddr*>(p);
}

TEST_CASE("PROXY v1 names both ends in text") {
  auto src = v4("192.0.2.7", 51000);
  auto dst = v4("10.0.0.1", 443);
  CHECK(proxyProtocolHeader(1, sa(&src), sa(&dst)) ==
        "PROXY TCP4 192.0.2.7 10.0.0.1 51000 443\r\n");
  auto src6 = v6("2001:db8::1", 40000);
  auto dst6 = v6("::1", 8443);
  CHECK(proxyProtocolHeader(1, sa(&src6), sa(&dst6)) ==
        "PROXY TCP6 2001:db8::1 ::1 40000 8443\r\n");
  CHECK(proxyProtocolHeader(1, sa(&src), sa(&dst6)) == "PROXY UNKNOWN\r\n");
}

TEST_CASE("PROXY v2 is the binary header with addresses and ports") {
  auto src = v4("192.0.2.7", 51000);
  auto dst = v4("10.0.0.1", 443);
  std::string h = proxyProtocolHeader(2, sa(&src), sa(&dst));
  REQUIRE(h.size() == 16 + 12);
  CHECK(h.substr(0, 12) == std::string("\r\n\r\n\0\r\nQUIT\n", 12));
  CHECK(static_cast<unsigned char>(h[12]) == 0x21);
  CHECK(static_cast<unsigned char>(h[13]) == 0x11);
  CHECK(h[14] == 0);
  CHECK(h[15] == 12);
  CHECK(h.substr(16, 4) == std::string("\xc0\x00\x02\x07", 4));
  CHECK(h.substr(20, 4) == std::string("\x0a\x00\x00\x01", 4));
  CHECK(static_cast<unsigned char>(h[24]) * 256 + static_cast<unsigned char>(h[25]) == 51000);
  CHECK(static_cast<unsigned char>(h[26]) * 256 + static_cast<unsigned char>(h[27]) == 443);
  auto src6 = v6("2001:db8::1", 1);
  auto dst6 = v6("::1", 2);
  CHECK(proxyProtocolHeader(2, sa(&src6), sa(&dst6)).size() == 16 + 36);
}

TEST_CASE("unknown versions produce nothing") {
  auto src = v4("192.0.2.7", 1);
  CHECK(proxyProtocolHeader(3, sa(&src), sa(&src)).empty());
}

}  // namespace
}  // namespace pier::net

namespace pier::net {
namespace {

TEST_CASE("PROXY headers we write parse back to the same client") {
  auto src = v4("192.0.2.7", 51000);
  auto dst = v4("10.0.0.1", 443);
  for (int version : {1, 2}) {
    std::string h = proxyProtocolHeader(version, sa(&src), sa(&dst));
    ProxyHeader p = parseProxyHeader(h + "GET / HTTP/1.1\r\n");
    REQUIRE(p.status == ProxyHeaderStatus::Ok);
    CHECK(p.consumed == h.size());
    CHECK(p.source_ip == "192.0.2.7");
    CHECK(p.source_port == 51000);
    for (std::size_t n = 1; n < h.size(); ++n) {
      REQUIRE_MESSAGE(parseProxyHeader(h.substr(0, n)).status == ProxyHeaderStatus::NeedMore, n);
    }
  }
  auto src6 = v6("2001:db8::1", 40000);
  auto dst6 = v6("::1", 8443);
  ProxyHeader p6 = parseProxyHeader(proxyProtocolHeader(2, sa(&src6), sa(&dst6)));
  CHECK(p6.source_ip == "2001:db8::1");
  CHECK(p6.source_port == 40000);
}

TEST_CASE("PROXY UNKNOWN and LOCAL keep the peer; junk is refused") {
  ProxyHeader u = parseProxyHeader("PROXY UNKNOWN\r\nrest");
  CHECK(u.status == ProxyHeaderStatus::Ok);
  CHECK(u.consumed == 15);
  CHECK(u.source_ip.empty());
  CHECK(parseProxyHeader("GET / HTTP/1.1\r\n").status == ProxyHeaderStatus::NotProxy);
  CHECK(parseProxyHeader(std::string("\x16\x03\x01", 3)).status == ProxyHeaderStatus::NotProxy);
  CHECK(parseProxyHeader("PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n").status ==
        ProxyHeaderStatus::Malformed);
  CHECK(parseProxyHeader("PROXY TCP4 nope 5.6.7.8 1 80\r\n").status ==
        ProxyHeaderStatus::Malformed);
  CHECK(parseProxyHeader("PROXY " + std::string(200, 'x')).status == ProxyHeaderStatus::Malformed);
}

}  // namespace
}  // namespace pier::net
