#include "routing/tcp_matchers.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace pier::routing {
namespace {

struct Conn {
  std::string sni;
  std::vector<std::string> alpn;
  bool tls = true;
  std::string ip = "192.168.1.2";

  TcpRequestView view() const {
    return TcpRequestView{sni, tls ? &alpn : nullptr, *base::IpAddress::parse(ip)};
  }
};

bool matches(const char* rule, const Conn& c) {
  Result<TcpRule> r = TcpRule::compile(rule);
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
  return r->matches(c.view());
}

TEST_CASE("TCP matchers") {
  Conn plain;
  plain.tls = false;
  Conn a{"a.example.com", {"h2", "http/1.1"}};
  Conn deep{"x.a.example.com", {}};
  Conn v6{"", {}, true, "2001:db8::5"};
  struct Case {
    const char* id;
    const char* rule;
    const Conn& conn;
    bool expected;
  };
  const Case cases[] = {
      {"catch-all plain", "HostSNI(`*`)", plain, true},
      {"catch-all tls", "HostSNI(`*`)", a, true},
      {"exact", "HostSNI(`a.example.com`)", a, true},
      {"exact case + dot", "HostSNI(`A.Example.com.`)", a, true},
      {"exact vs no sni", "HostSNI(`a.example.com`)", plain, false},
      {"wildcard one label", "HostSNI(`*.example.com`)", a, true},
      {"wildcard two labels", "HostSNI(`*.example.com`)", deep, false},
      {"regexp", "HostSNIRegexp(`^[a-z]\\.example\\.com$`)", a, true},
      {"regexp no sni", "HostSNIRegexp(`example`)", plain, false},
      {"regexp empty matches no sni", "HostSNIRegexp(`^$`)", plain, true},
      {"alpn", "ALPN(`h2`)", a, true},
      {"alpn miss", "ALPN(`h3`)", a, false},
      {"alpn non-tls", "ALPN(`h2`)", plain, false},
      {"client ip", "ClientIP(`192.168.0.0/16`)", plain, true},
      {"client ip v6", "ClientIP(`2001:db8::/64`)", v6, true},
      {"client ip v6 miss", "ClientIP(`10.0.0.0/8`)", v6, false},
      {"and", "HostSNI(`a.example.com`) && ALPN(`http/1.1`)", a, true},
      {"not", "!HostSNI(`a.example.com`) && HostSNI(`*`)", a, false},
      {"lower spelling", "hostsni(`*`)", plain, true},
      {"domain with port chars", "HostSNI(`a_b-c:1`)", plain, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.id);
    CAPTURE(c.rule);
    CHECK(matches(c.rule, c.conn) == c.expected);
  }
}

TEST_CASE("TCP matchers: compile errors") {
  struct Case {
    const char* rule;
    const char* message;
  };
  const Case cases[] = {
      {"HostSNI(`a b`)", "column 9: invalid HostSNI domain \"a b\""},
      {"HostSNI(`a/b`)", "invalid HostSNI domain"},
      {"HostSNI(`*.`)", "invalid HostSNI domain"},
      {"HostSNI(`**`)", "invalid HostSNI domain"},
      {"HostSNI(`a`, `b`)", "HostSNI takes 1 argument, got 2 (several arguments is v2 syntax"},
      {"ALPN(`acme-tls/1`)", "column 6: ALPN(`acme-tls/1`) is reserved"},
      {"Host(`a`)", "Host is an HTTP matcher; TCP routers use HostSNI"},
      {"HostSni(`a`)", "not an accepted spelling; write HostSNI, hostsni, HOSTSNI or Hostsni"},
      {"HostSNIRegex(`a`)", "unknown matcher \"HostSNIRegex\"; did you mean \"HostSNIRegexp\"?"},
      {"HostSNIRegexp(`(`)", "invalid regular expression"},
      {"ClientIP(`1.2.3`)", "ClientIP needs an IP address or CIDR range"},
      {"PathPrefix(`/`)", "unknown matcher"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<TcpRule> r = TcpRule::compile(c.rule);
    REQUIRE_FALSE(r);
    CHECK_MESSAGE(r.error().message.find(c.message) != std::string::npos, r.error().message);
  }
}

TEST_CASE("TCP rules: catch-all priority, domains") {
  struct Case {
    const char* rule;
    bool catch_all;
  };
  const Case cases[] = {
      {"HostSNI(`*`)", true},
      {"  HostSNI(\"*\")  ", true},
      {"(HostSNI(`*`))", true},
      {"!HostSNI(`*`)", false},
      {"HostSNI(`*`) && ClientIP(`10.0.0.0/8`)", false},
      {"HostSNI(`*`) || HostSNI(`*`)", false},
      {"HostSNI(`a`)", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<TcpRule> r = TcpRule::compile(c.rule);
    REQUIRE(r);
    CHECK(r->isCatchAll() == c.catch_all);
    CHECK(tcpPriority(0, *r) ==
          (c.catch_all ? -1 : static_cast<std::int64_t>(std::string_view(c.rule).size())));
    CHECK(tcpPriority(7, *r) == 7);
  }
  Result<TcpRule> r = TcpRule::compile("HostSNI(`A.com`) || HostSNI(`*.b.com`) || HostSNI(`*`)");
  REQUIRE(r);
  CHECK(sniDomains(*r) == std::vector<std::string>{"a.com", "*.b.com"});
  CHECK_FALSE(r->hostConstraint().any == false);  // `*` branch: not indexable
}

}  // namespace
}  // namespace pier::routing
