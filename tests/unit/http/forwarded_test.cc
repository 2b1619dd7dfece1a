#include "http/forwarded.h"

#include <doctest/doctest.h>

#include <string>

#include "http/hop_by_hop.h"
#include "http/serializer.h"
#include "http/url.h"

using namespace pier::http;
using pier::base::IpAddress;

namespace {

IpAddress ip(const char* s) {
  return *IpAddress::parse(s);
}

std::string value(const HeaderMap& h, std::string_view name) {
  const std::string* v = h.get(name);
  return v != nullptr ? *v : std::string("<absent>");
}

ForwardedPolicy trusting(std::vector<std::string> cidrs) {
  ForwardedPolicy p;
  REQUIRE_FALSE(p.trusted.assign(cidrs).has_value());
  return p;
}

// The whole header pipeline of one request: entry point, then the upstream hop.
void throughProxy(HeaderMap& h, const ForwardedPolicy& p, const ConnectionFacts& f) {
  applyForwardedHeaders(h, p, f);
  removeHopByHop(h, isUpgradeRequest(h));
  appendXForwardedFor(h, p, f.peer);
}

}  // namespace

TEST_SUITE("http") {
  TEST_CASE("forwarded G1.1: untrusted peer cannot spoof X-Forwarded-For / X-Real-Ip") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("X-Forwarded-For", "6.6.6.6");
    h.add("X-Real-Ip", "6.6.6.6");
    h.add("X_Forwarded_Host", "evil");
    h.add("x-forwarded-proto", "https");
    throughProxy(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), false, "pier-host"});
    CHECK(value(h, "X-Forwarded-For") == "1.2.3.4");
    CHECK(value(h, "X-Real-Ip") == "1.2.3.4");
    CHECK(value(h, "X_Forwarded_Host") == "<absent>");
    CHECK(value(h, "X-Forwarded-Proto") == "http");
    CHECK(value(h, "X-Forwarded-Host") == "a.com");
  }

  TEST_CASE("forwarded G1.2: trusted peer's headers are kept and XFF is appended") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("X-Forwarded-For", "6.6.6.6");
    h.add("X-Real-Ip", "6.6.6.6");
    h.add("X_Custom_Underscore", "kept");
    auto policy = trusting({"10.0.0.0/8"});
    throughProxy(h, policy, ConnectionFacts{ip("10.1.2.3"), false, "pier-host"});
    CHECK(value(h, "X-Forwarded-For") == "6.6.6.6, 10.1.2.3");
    CHECK(value(h, "X-Real-Ip") == "6.6.6.6");
    CHECK(value(h, "X_Custom_Underscore") == "kept");
  }

  TEST_CASE("forwarded G1.2: insecure trusts everyone") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("X-Real-Ip", "6.6.6.6");
    ForwardedPolicy policy;
    policy.insecure = true;
    applyForwardedHeaders(h, policy, ConnectionFacts{ip("1.2.3.4"), false, ""});
    CHECK(value(h, "X-Real-Ip") == "6.6.6.6");
    CHECK(value(h, "X-Forwarded-Server") == "<absent>");
  }

  TEST_CASE("forwarded G1.3: host, port, proto and server") {
    struct Case {
      const char* name;
      const char* host;
      bool tls;
      const char* xf_host;
      const char* xf_port;
      const char* xf_proto;
    };
    const Case cases[] = {
        {"host with port", "a.com:8000", false, "a.com:8000", "8000", "http"},
        {"host without port", "a.com", false, "a.com", "80", "http"},
        {"tls without port", "a.com", true, "a.com", "443", "https"},
        {"ipv6 with port", "[::1]:8080", false, "[::1]:8080", "8080", "http"},
        {"ipv6 without port", "[::1]", true, "[::1]", "443", "https"},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        HeaderMap h;
        h.add("Host", c.host);
        applyForwardedHeaders(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), c.tls, "srv"});
        CHECK(value(h, "X-Forwarded-Host") == c.xf_host);
        CHECK(value(h, "X-Forwarded-Port") == c.xf_port);
        CHECK(value(h, "X-Forwarded-Proto") == c.xf_proto);
        CHECK(value(h, "X-Forwarded-Server") == "srv");
      }
    }
  }

  TEST_CASE("forwarded G1.3: absolute-form target's authority becomes the Host") {
    auto t = normalizeTarget("http://a.com:8000/", true, false);
    REQUIRE(t.has_value());
    HeaderMap h;
    h.add("Host", "other");
    h.set("Host", t->authority);
    applyForwardedHeaders(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), false, "srv"});
    CHECK(value(h, "X-Forwarded-Host") == "a.com:8000");
    CHECK(value(h, "X-Forwarded-Port") == "8000");
  }

  TEST_CASE("forwarded: trusted X-Forwarded-Proto https drives the default port") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("X-Forwarded-Proto", "https");
    applyForwardedHeaders(h, trusting({"1.2.3.4"}), ConnectionFacts{ip("1.2.3.4"), false, ""});
    CHECK(value(h, "X-Forwarded-Port") == "443");
  }

  TEST_CASE("forwarded: WebSocket upgrade gets ws / wss (spec G.1, G1.4 header part)") {
    for (bool tls : {false, true}) {
      HeaderMap h;
      h.add("Host", "a.com");
      h.add("Connection", "Upgrade");
      h.add("Upgrade", "websocket");
      applyForwardedHeaders(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), tls, ""});
      CHECK(value(h, "X-Forwarded-Proto") == (tls ? "wss" : "ws"));
      CHECK(value(h, "X-Forwarded-Port") == (tls ? "443" : "80"));
      CHECK(value(h, "Connection") == "Upgrade");
      CHECK(value(h, "Upgrade") == "websocket");
    }
  }

  TEST_CASE("forwarded: scheme headers are always overwritten when enabled") {
    HeaderMap h;
    h.add("Host", "a.com");
    h.add("X-Scheme", "gopher");
    ForwardedPolicy policy = trusting({"0.0.0.0/0"});
    policy.add_scheme_headers = true;
    applyForwardedHeaders(h, policy, ConnectionFacts{ip("1.2.3.4"), true, ""});
    CHECK(value(h, "X-Forwarded-Scheme") == "https");
    CHECK(value(h, "X-Scheme") == "https");
  }

  TEST_CASE("forwarded: several X-Forwarded-For lines are folded") {
    HeaderMap h;
    h.add("Host", "a");
    h.add("X-Forwarded-For", "1.1.1.1");
    h.add("X-Forwarded-For", "2.2.2.2, 3.3.3.3");
    auto policy = trusting({"9.9.9.9"});
    applyForwardedHeaders(h, policy, ConnectionFacts{ip("9.9.9.9"), false, ""});
    std::size_t n = 0;
    h.forEach("X-Forwarded-For", [&](std::string_view) { ++n; });
    CHECK(n == 1);
    CHECK(value(h, "X-Forwarded-For") == "1.1.1.1, 2.2.2.2, 3.3.3.3");
    appendXForwardedFor(h, policy, ip("9.9.9.9"));
    CHECK(value(h, "X-Forwarded-For") == "1.1.1.1, 2.2.2.2, 3.3.3.3, 9.9.9.9");
  }

  TEST_CASE("forwarded G1.5: a field named in Connection is not forwarded") {
    HeaderMap h;
    h.add("Host", "a");
    h.add("Connection", "Foo");
    h.add("Foo", "bar");
    throughProxy(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), false, ""});
    CHECK(value(h, "Foo") == "<absent>");
    CHECK(value(h, "Connection") == "<absent>");
  }

  TEST_CASE("forwarded: Connection cannot strip managed headers; connection_keep survives") {
    HeaderMap h;
    h.add("Host", "a");
    h.add("Connection", "X-Forwarded-Host, Keep-Me, Drop-Me");
    h.add("Keep-Me", "1");
    h.add("Drop-Me", "2");
    ForwardedPolicy policy;
    policy.connection_keep = {"Keep-Me"};
    applyForwardedHeaders(h, policy, ConnectionFacts{ip("1.2.3.4"), false, ""});
    CHECK(value(h, "X-Forwarded-Host") == "a");
    CHECK(value(h, "Keep-Me") == "1");
    CHECK(value(h, "Drop-Me") == "<absent>");
    CHECK(value(h, "Connection") == "Keep-Me");
  }

  TEST_CASE("forwarded: XFF append options") {
    SUBCASE("notAppendXForwardedFor") {
      HeaderMap h;
      ForwardedPolicy policy;
      policy.not_append_xff = true;
      appendXForwardedFor(h, policy, ip("1.2.3.4"));
      CHECK(value(h, "X-Forwarded-For") == "<absent>");
    }
    SUBCASE("cleared by a middleware means none is sent") {
      HeaderMap h;
      h.add("X-Forwarded-For", "");
      appendXForwardedFor(h, ForwardedPolicy{}, ip("1.2.3.4"));
      CHECK(value(h, "X-Forwarded-For") == "<absent>");
    }
    SUBCASE("IPv6 peer, zone stripped") {
      HeaderMap h;
      appendXForwardedFor(h, ForwardedPolicy{}, ip("fe80::1%eth0"));
      CHECK(value(h, "X-Forwarded-For") == "fe80::1");
    }
  }

  TEST_CASE("forwarded G1.9: no User-Agent in, none out") {
    HeaderMap h;
    h.add("Host", "a.com");
    throughProxy(h, ForwardedPolicy{}, ConnectionFacts{ip("1.2.3.4"), false, "srv"});
    std::string wire;
    appendRequestHead(wire, "GET", "/", h);
    CHECK(wire.find("User-Agent") == std::string::npos);
    CHECK(wire.find("Forwarded:") == std::string::npos);  // no Forwarded/Via added (spec G.2)
    CHECK(wire.find("Via:") == std::string::npos);
  }

  TEST_CASE("forwarded: managed-name recognition") {
    CHECK(isManagedForwardedHeader("x-forwarded-for"));
    CHECK(isManagedForwardedHeader("X_FORWARDED_TLS_CLIENT_CERT_INFO"));
    CHECK(isManagedForwardedHeader("X-Real-IP"));
    CHECK_FALSE(isManagedForwardedHeader("Forwarded"));
    CHECK_FALSE(isManagedForwardedHeader("X-Forwarded"));
  }

}  // TEST_SUITE
