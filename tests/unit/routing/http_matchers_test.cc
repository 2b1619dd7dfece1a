#include "routing/http_matchers.h"

#include <doctest/doctest.h>

#include <string>

#include "test_request.h"

namespace pier::routing {
namespace {

using test::Req;

bool matches(const char* rule, const Req& req) {
  Result<HttpRule> r = HttpRule::compile(rule);
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
  http::HeaderMap storage;
  return r->matches(req.view(storage));
}

Req host(const char* h) {
  Req r;
  r.host = h;
  return r;
}
Req path(const char* p) {
  Req r;
  r.path = p;
  return r;
}
Req query(const char* q) {
  Req r;
  r.query = q;
  return r;
}

struct MatchCase {
  const char* id;
  const char* rule;
  Req req;
  bool expected;
};

void runCases(const std::vector<MatchCase>& cases) {
  for (const MatchCase& c : cases) {
    CAPTURE(c.id);
    CAPTURE(c.rule);
    CHECK(matches(c.rule, c.req) == c.expected);
  }
}

TEST_CASE("HTTP matchers: spec C1 cases") {
  Req xff;
  xff.client_ip = "192.168.1.2";
  xff.headers = {{"X-Forwarded-For", "10.1.1.1"}};
  runCases({
      {"C1.3", "Host(`Example.COM`)", host("example.com"), true},  // port removed upstream
      {"C1.4 one label", "Host(`*.example.com`)", host("a.example.com"), true},
      {"C1.4 two labels", "Host(`*.example.com`)", host("a.b.example.com"), false},
      {"C1.4 bare suffix", "Host(`*.example.com`)", host("example.com"), false},
      {"C1.5", "Host(`*`)", host(""), true},
      {"C1.6 decoded space", "PathPrefix(`/foo bar`)", path("/foo bar"), true},
      {"C1.6 encoded slash", "PathPrefix(`/foo/bar`)", path("/foo%2Fbar"), false},
      {"C1.7 exact", "Path(`/products`)", path("/products"), true},
      {"C1.7 trailing slash", "Path(`/products`)", path("/products/"), false},
      {"C1.8 bare", "Query(`mobile`)", query("mobile"), true},
      {"C1.8 empty", "Query(`mobile`)", query("mobile="), true},
      {"C1.8 valued", "Query(`mobile`)", query("mobile=true"), false},
      {"C1.9", "ClientIP(`10.0.0.0/8`)", xff, false},
      {"C1.11 lower", "pathprefix(`/a`)", path("/a/b"), true},
      {"C1.11 upper", "PATHPREFIX(`/a`)", path("/a/b"), true},
      {"C1.11 title", "Pathprefix(`/a`)", path("/a/b"), true},
      {"C1.12 b.com", "!Host(`a.com`) && PathPrefix(`/`)", host("b.com"), true},
      {"C1.12 a.com", "!Host(`a.com`) && PathPrefix(`/`)", host("a.com"), false},
  });
}

TEST_CASE("HTTP matchers: Host and HostRegexp") {
  runCases({
      {"exact", "Host(`example.com`)", host("example.com"), true},
      {"other", "Host(`example.com`)", host("example.org"), false},
      {"rule trailing dot", "Host(`example.com.`)", host("example.com"), true},
      {"host trailing dot", "Host(`example.com`)", host("example.com."), true},
      {"view case", "Host(`example.com`)", host("EXAMPLE.com"), true},
      {"empty host", "Host(`example.com`)", host(""), false},
      {"port never matches", "Host(`example.com:80`)", host("example.com"), false},
      {"ipv6", "Host(`::1`)", host("::1"), true},
      {"wildcard empty label", "Host(`*.example.com`)", host(".example.com"), false},
      {"wildcard case", "Host(`*.Example.com`)", host("x.example.com"), true},
      {"star any", "Host(`*`)", host("whatever"), true},
      {"regexp unanchored", "HostRegexp(`example`)", host("www.example.com"), true},
      {"regexp anchored", "HostRegexp(`^example\\.com$`)", host("www.example.com"), false},
      {"regexp C1.2", "HostRegexp(`[a-z]+\\.example\\.com`)", host("foo.example.com"), true},
      {"regexp case", "HostRegexp(`^A\\.com$`)", host("a.com"), false},
      {"regexp (?i)", "HostRegexp(`(?i)^A\\.com$`)", host("a.com"), true},
      {"regexp repetition", "HostRegexp(`^a{2}\\.com$`)", host("aa.com"), true},
      {"double-quoted escapes", "HostRegexp(\"^a\\\\.com$\")", host("a.com"), true},
  });
}

TEST_CASE("HTTP matchers: Path, PathPrefix, PathRegexp, Method") {
  runCases({
      {"prefix bytes", "PathPrefix(`/api`)", path("/apiv2"), true},
      {"prefix shorter path", "PathPrefix(`/api`)", path("/ap"), false},
      {"prefix root", "PathPrefix(`/`)", path("/x"), true},
      {"path case", "Path(`/A`)", path("/a"), false},
      {"regexp", "PathRegexp(`^/v[0-9]+/`)", path("/v12/x"), true},
      {"regexp miss", "PathRegexp(`^/v[0-9]+/`)", path("/x/v1/"), false},
      {"regexp unanchored", "PathRegexp(`\\.php`)", path("/a/b.php?"), true},
      {"method", "Method(`GET`)", Req{}, true},
      {"method upper-cased arg", "Method(`get`)", Req{}, true},
      {"method other", "Method(`POST`)", Req{}, false},
  });
  Req lower_method;
  lower_method.method = "get";  // compared as sent
  CHECK_FALSE(matches("Method(`GET`)", lower_method));
}

TEST_CASE("HTTP matchers: Header and HeaderRegexp") {
  Req r;
  r.headers = {{"x-env", "prod, eu"}, {"X-Env", "staging"}, {"Accept", "text/html"}};
  runCases({
      {"second value", "Header(`X-Env`, `staging`)", r, true},
      {"name case", "Header(`X-ENV`, `staging`)", r, true},
      {"joined line is one value", "Header(`X-Env`, `prod`)", r, false},
      {"joined line exact", "Header(`X-Env`, `prod, eu`)", r, true},
      {"value case", "Header(`Accept`, `TEXT/html`)", r, false},
      {"absent", "Header(`X-Other`, `a`)", r, false},
      {"regexp", "HeaderRegexp(`Accept`, `^text/`)", r, true},
      {"regexp any value", "HeaderRegexp(`X-Env`, `^stag`)", r, true},
      {"regexp miss", "HeaderRegexp(`Accept`, `json`)", r, false},
      {"negated absent", "!Header(`X-Other`, `a`)", r, true},
  });
  http::RequestView no_headers;
  Result<HttpRule> rule = HttpRule::compile("Header(`A`, `b`)");
  REQUIRE(rule);
  CHECK_FALSE(rule->matches(no_headers));
}

TEST_CASE("HTTP matchers: Query and QueryRegexp") {
  runCases({
      {"kv", "Query(`a`, `1`)", query("a=1&b"), true},
      {"kv second pair", "Query(`b`, `2`)", query("a=1&b=2"), true},
      {"semicolon separator", "Query(`b`, `2`)", query("a=1;b=2"), true},
      {"repeated key", "Query(`a`, `2`)", query("a=1&a=2"), true},
      {"key case-sensitive", "Query(`A`, `1`)", query("a=1"), false},
      {"percent-decoded value", "Query(`q`, `a b&c`)", query("q=a+b%26c"), true},
      {"percent-decoded key", "Query(`k y`, `v`)", query("k%20y=v"), true},
      {"value with =", "Query(`a`, `b=c`)", query("a=b=c"), true},
      {"empty pairs skipped", "Query(`a`)", query("&&a&"), true},
      {"bad escape drops pair", "Query(`a`, `1`)", query("a=1%zz"), false},
      {"bad escape other pair", "Query(`a`, `1`)", query("b=%&a=1"), true},
      {"one-arg c=", "Query(`c`)", query("a=1&b&c="), true},
      {"one-arg b", "Query(`b`)", query("a=1&b&c="), true},
      {"one-arg a", "Query(`a`)", query("a=1&b&c="), false},
      {"no query", "Query(`a`)", query(""), false},
      {"regexp", "QueryRegexp(`id`, `^[0-9]+$`)", query("id=42"), true},
      {"regexp miss", "QueryRegexp(`id`, `^[0-9]+$`)", query("id=4x"), false},
      {"regexp decoded", "QueryRegexp(`q`, `^a b$`)", query("q=a%20b"), true},
      {"regexp one-arg", "QueryRegexp(`q`)", query("q="), true},
      {"regexp one-arg valued", "QueryRegexp(`q`)", query("q=1"), false},
  });
  bool valid = false;
  CHECK(queryUnescapeEquals("a%41+", "aA ", valid));
  CHECK(valid);
  CHECK_FALSE(queryUnescapeEquals("a%4", "a", valid));
  CHECK_FALSE(valid);
}

TEST_CASE("HTTP matchers: ClientIP") {
  Req v4;
  v4.client_ip = "10.2.3.4";
  Req v6;
  v6.client_ip = "2001:db8::1";
  runCases({
      {"cidr v4", "ClientIP(`10.0.0.0/8`)", v4, true},
      {"ip v4", "ClientIP(`10.2.3.4`)", v4, true},
      {"ip v4 other", "ClientIP(`10.2.3.5`)", v4, false},
      {"cidr v6", "ClientIP(`2001:db8::/32`)", v6, true},
      {"v4 range vs v6 peer", "ClientIP(`10.0.0.0/8`)", v6, false},
  });
}

TEST_CASE("HTTP matchers: operators") {
  Req r;
  r.host = "a.com";
  r.path = "/x";
  runCases({
      {"and", "Host(`a.com`) && Path(`/x`)", r, true},
      {"and miss", "Host(`a.com`) && Path(`/y`)", r, false},
      {"or", "Host(`b.com`) || Path(`/x`)", r, true},
      {"precedence", "Host(`b.com`) && Path(`/y`) || Host(`a.com`)", r, true},
      {"parens", "Host(`b.com`) && (Path(`/y`) || Host(`a.com`))", r, false},
      {"de morgan", "!(Host(`b.com`) || Path(`/y`))", r, true},
      {"de morgan miss", "!(Host(`a.com`) && Path(`/x`))", r, false},
  });
}

TEST_CASE("HTTP matchers: compile errors") {
  struct Case {
    const char* rule;
    const char* message;
  };
  const Case cases[] = {
      {"Host('x')", "column 6: single quotes"},  // C1.10
      {"pathPrefix(`/a`)",
       "column 1: matcher \"pathPrefix\" is not an accepted spelling"},  // C1.11
      {"PathPREFIX(`/a`)",
       "not an accepted spelling; write PathPrefix, pathprefix, PATHPREFIX or "
       "Pathprefix"},
      {"Hots(`a`)", "column 1: unknown matcher \"Hots\"; did you mean \"Host\"?"},
      {"Host(`a`) && Pth(`/`)", "column 14: unknown matcher \"Pth\"; did you mean \"Path\"?"},
      {"Frobnicate(`a`)", "unknown matcher \"Frobnicate\""},
      {"HostHeader(`a`)", "\"HostHeader\" is v2 syntax"},
      {"Headers(`a`, `b`)", "\"Headers\" is v2 syntax, not supported in v3; use Header"},
      {"HeadersRegexp(`a`, `b`)", "v2 syntax"},
      {"HostSNI(`a`)", "HostSNI is a TCP matcher"},
      {"Host(`a`, `b`)", "column 1: Host takes 1 argument, got 2 (several arguments is v2 syntax"},
      {"ClientIP(`10.0.0.1`, `10.0.0.2`)", "ClientIP takes 1 argument, got 2 (several arguments"},
      {"Header(`a`)", "Header takes 2 arguments, got 1"},
      {"Query()", "Query takes 1 or 2 arguments, got 0"},
      {"Query(`a`, `b`, `c`)", "Query takes 1 or 2 arguments, got 3"},
      {"Path()", "Path takes 1 argument, got 0"},
      {"Path(``)", "column 6: empty argument"},
      {"Path(`a`)", "column 6: Path must start with '/'"},
      {"PathPrefix(`api`)", "column 12: PathPrefix must start with '/'"},
      {"Host(`\xc3\xa9.com`)", "column 6: Host must be ASCII"},
      {"HostRegexp(`\xc3\xa9`)", "HostRegexp must be ASCII"},
      {"HostRegexp(`{sub:[a-z]+}.example.com`)",
       "column 12: HostRegexp with {name:regexp} "
       "templates is v2 syntax"},
      {"HostRegexp(`{sub}.example.com`)", "v2 syntax"},
      {"HostRegexp(`(`)", "column 12: invalid regular expression: missing )"},
      {"PathRegexp(`[`)", "invalid regular expression"},
      {"HeaderRegexp(`A`, `(?P<x`)", "column 19: invalid regular expression"},
      {"Query(`a=1`)", "column 7: Query(`key=value`) is v2 syntax"},
      {"QueryRegexp(`a=1`, `x`)", "is v2 syntax"},
      {"ClientIP(`300.1.1.1`)", "column 10: ClientIP needs an IP address or CIDR range"},
      {"ClientIP(`10.0.0.0/33`)", "ClientIP needs an IP address or CIDR range"},
      {"ClientIP(`example.com`)", "ClientIP needs"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<HttpRule> r = HttpRule::compile(c.rule);
    REQUIRE_FALSE(r);
    CHECK(r.error().source == ErrorSource::Config);
    CHECK_MESSAGE(r.error().message.find(c.message) != std::string::npos, r.error().message);
  }
}

TEST_CASE("HTTP rules: host constraint, domains, priority") {
  struct Case {
    const char* rule;
    bool any;
    std::vector<std::string> exact;
    std::vector<std::string> suffixes;
  };
  const Case cases[] = {
      {"Host(`a.com`) && PathPrefix(`/x`)", false, {"a.com"}, {}},
      {"Host(`A.com.`) || Host(`b.com`)", false, {"a.com", "b.com"}, {}},
      {"Host(`a.com`) || PathPrefix(`/x`)", true, {}, {}},
      {"!Host(`a.com`)", true, {}, {}},
      {"Host(`*.a.com`)", false, {}, {"a.com"}},
      {"Host(`*`) && Path(`/`)", true, {}, {}},
      {"(Host(`a`) || Host(`b`)) && Host(`c`)", false, {"c"}, {}},
      {"(Host(`a`) || Host(`*.b`)) && Method(`GET`)", false, {"a"}, {"b"}},
      {"!(!Host(`a`) || !Path(`/`))", false, {"a"}, {}},
      {"HostRegexp(`a`)", true, {}, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<HttpRule> r = HttpRule::compile(c.rule);
    REQUIRE(r);
    const HostConstraint& hc = r->hostConstraint();
    CHECK(hc.any == c.any);
    if (!c.any) {
      CHECK(hc.exact == c.exact);
      CHECK(hc.suffixes == c.suffixes);
    }
  }

  Result<HttpRule> r = HttpRule::compile(
      "(Host(`B.com`) || Host(`*.c.com`) || Host(`*`)) && !Host(`d.com`) || Host(`b.com.`)");
  REQUIRE(r);
  CHECK(hostDomains(*r) == std::vector<std::string>{"b.com", "*.c.com"});
  CHECK(httpPriority(0, *r) == static_cast<std::int64_t>(r->text().size()));
  CHECK(httpPriority(-5, *r) == -5);
  Result<HttpRule> c11 = HttpRule::compile("Host(`x.com`)");  // C1.1: computed priority 13
  REQUIRE(c11);
  CHECK(httpPriority(0, *c11) == 13);
}

}  // namespace
}  // namespace pier::routing
