#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

TEST_CASE("redirectScheme: target URL, status by method and permanence") {
  auto chain = mustBuild("    m: {redirectScheme: {scheme: https, permanent: true}}\n", {"m@file"});
  Exchange a("/p?q=1");
  a.head.headers.set("Host", "example.com:8080");
  CHECK(a.go(chain) == Verdict::Answer);
  CHECK(a.answer.status == 301);
  CHECK(a.ah("Location") == "https://example.com/p?q=1");
  CHECK(a.answer.body == "Moved Permanently");
  Exchange b("/", "HEAD");
  b.go(chain);
  CHECK(b.answer.status == 308);  // only GET gets 301/302, as in Traefik
}

TEST_CASE("redirectScheme: no redirect when scheme and port already match") {
  auto chain = mustBuild("    m: {redirectScheme: {scheme: https, port: \"443\"}}\n", {"m@file"});
  Exchange a("/");
  a.header("X-Forwarded-Proto", "https");
  CHECK(a.go(chain) == Verdict::Continue);
  Exchange b("/");
  CHECK(b.go(chain, "127.0.0.1", true) == Verdict::Continue);  // TLS connection
  Exchange c("/");
  c.head.headers.set("Host", "a.test:80");
  CHECK(c.go(chain) == Verdict::Answer);
  CHECK(c.answer.status == 302);
  CHECK(c.ah("Location") == "https://a.test/");
}

TEST_CASE("redirectScheme: custom port kept, scheme required") {
  auto chain = mustBuild("    m: {redirectScheme: {scheme: https, port: \"8443\"}}\n", {"m@file"});
  Exchange a("/x", "POST");
  a.go(chain);
  CHECK(a.answer.status == 307);
  CHECK(a.ah("Location") == "https://a.test:8443/x");
  CHECK(buildError("    m: {redirectScheme: {port: \"1\"}}\n", {"m@file"})
            .find("redirectScheme.scheme") != std::string::npos);
}

TEST_CASE("redirectRegex: match, replace, identical result passes") {
  auto chain = mustBuild(
      "    m: {redirectRegex: {regex: \"^http://a\\\\.test/(.*)\", replacement: "
      "\"https://b.test/${1}\"}}\n",
      {"m@file"});
  Exchange a("/x?y=1");
  CHECK(a.go(chain) == Verdict::Answer);
  CHECK(a.answer.status == 302);
  CHECK(a.ah("Location") == "https://b.test/x?y=1");
  auto same = mustBuild(
      "    m: {redirectRegex: {regex: \"^(.*)$\", replacement: \"$1\", permanent: true}}\n",
      {"m@file"});
  Exchange b("/x");
  CHECK(b.go(same) == Verdict::Continue);
}
