#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

TEST_CASE("headers: custom request headers set, removed by empty value, Host") {
  auto chain = mustBuild(
      "    m: {headers: {customRequestHeaders: {X-A: one, X-Gone: \"\", Host: b.test}}}\n",
      {"m@file"});
  Exchange a("/");
  a.header("X-Gone", "1").header("X-A", "old");
  CHECK(a.go(chain) == Verdict::Continue);
  CHECK(a.h("X-A") == "one");
  CHECK(a.h("X-Gone") == "<none>");
  CHECK(a.h("Host") == "b.test");
}

TEST_CASE("headers: custom response headers override security headers") {
  auto chain = mustBuild(
      "    m: {headers: {frameDeny: true, customResponseHeaders: {X-Frame-Options: SAMEORIGIN, "
      "Server: \"\"}}}\n",
      {"m@file"});
  Exchange a("/");
  a.go(chain);
  http::ResponseHead r;
  r.headers.add("Server", "backend");
  a.run.runResponse(r);
  CHECK(hv(r.headers, "X-Frame-Options") == "SAMEORIGIN");
  CHECK(hv(r.headers, "Server") == "<none>");
}

TEST_CASE("headers: security headers and HSTS only over TLS unless forced") {
  auto chain = mustBuild(R"y(
    m:
      headers:
        stsSeconds: 100
        stsIncludeSubdomains: true
        stsPreload: true
        contentTypeNosniff: true
        browserXssFilter: true
        customFrameOptionsValue: SAMEORIGIN
        contentSecurityPolicy: "default-src 'self'"
        contentSecurityPolicyReportOnly: "img-src *"
        referrerPolicy: same-origin
        permissionsPolicy: "camera=()"
        publicKey: "pin-sha256=x"
)y",
                         {"m@file"});
  Exchange plain("/");
  plain.go(chain);
  auto r = plain.respond();
  CHECK(hv(r.headers, "Strict-Transport-Security") == "<none>");
  CHECK(hv(r.headers, "Public-Key-Pins") == "<none>");
  CHECK(hv(r.headers, "X-Content-Type-Options") == "nosniff");
  CHECK(hv(r.headers, "X-XSS-Protection") == "1; mode=block");
  CHECK(hv(r.headers, "X-Frame-Options") == "SAMEORIGIN");
  CHECK(hv(r.headers, "Content-Security-Policy") == "default-src 'self'");
  CHECK(hv(r.headers, "Content-Security-Policy-Report-Only") == "img-src *");
  CHECK(hv(r.headers, "Referrer-Policy") == "same-origin");
  CHECK(hv(r.headers, "Permissions-Policy") == "camera=()");
  Exchange tls("/");
  tls.go(chain, "127.0.0.1", true);
  r = tls.respond();
  CHECK(hv(r.headers, "Strict-Transport-Security") == "max-age=100; includeSubDomains; preload");
  CHECK(hv(r.headers, "Public-Key-Pins") == "pin-sha256=x");
}

TEST_CASE("headers: isDevelopment turns off HSTS and allowedHosts") {
  auto chain = mustBuild(
      "    m: {headers: {stsSeconds: 5, forceSTSHeader: true, allowedHosts: [x.test], "
      "isDevelopment: true}}\n",
      {"m@file"});
  Exchange a("/");
  CHECK(a.go(chain) == Verdict::Continue);
  CHECK(hv(a.respond().headers, "Strict-Transport-Security") == "<none>");
}

TEST_CASE("headers: allowedHosts with hostsProxyHeaders") {
  auto chain = mustBuild(
      "    m: {headers: {allowedHosts: [good.test], hostsProxyHeaders: [X-Forwarded-Host]}}\n",
      {"m@file"});
  Exchange a("/");
  CHECK(a.go(chain) == Verdict::Answer);
  CHECK(a.answer.status == 500);
  CHECK(a.answer.body == "Bad Host\n");
  Exchange b("/");
  b.header("X-Forwarded-Host", "GOOD.test");
  CHECK(b.go(chain) == Verdict::Continue);
}

TEST_CASE("headers: CORS preflight") {
  auto chain = mustBuild(R"(
    m:
      headers:
        accessControlAllowMethods: [GET, PUT]
        accessControlAllowHeaders: [X-A, X-B]
        accessControlAllowOriginListRegex: ["^https://.*\\.app\\.test$"]
        accessControlExposeHeaders: [X-E]
        accessControlMaxAge: 60
)",
                         {"m@file"});
  Exchange a("/", "OPTIONS");
  a.header("Origin", "https://x.app.test").header("Access-Control-Request-Method", "PUT");
  CHECK(a.go(chain) == Verdict::Answer);
  CHECK(a.answer.status == 200);
  CHECK(a.ah("Access-Control-Allow-Origin") == "https://x.app.test");
  CHECK(a.ah("Access-Control-Allow-Methods") == "GET,PUT");
  CHECK(a.ah("Access-Control-Allow-Headers") == "X-A,X-B");
  CHECK(a.ah("Access-Control-Expose-Headers") == "X-E");
  CHECK(a.ah("Access-Control-Max-Age") == "60");
  CHECK(a.ah("Access-Control-Allow-Credentials") == "<none>");
  // OPTIONS without Access-Control-Request-Method is not a preflight.
  Exchange b("/", "OPTIONS");
  b.header("Origin", "https://x.app.test");
  CHECK(b.go(chain) == Verdict::Continue);
}

TEST_CASE("headers: CORS on normal responses, Vary, credentials with wildcard") {
  auto chain = mustBuild(R"(
    m:
      headers:
        accessControlAllowOriginList: ["*"]
        accessControlAllowCredentials: true
        accessControlExposeHeaders: ["*"]
        addVaryHeader: true
)",
                         {"m@file"});
  Exchange a("/");
  a.header("Origin", "https://o.test");
  a.go(chain);
  http::ResponseHead r;
  r.headers.add("Vary", "Accept-Encoding");
  a.run.runResponse(r);
  CHECK(hv(r.headers, "Access-Control-Allow-Origin") == "https://o.test");
  CHECK(hv(r.headers, "Access-Control-Allow-Credentials") == "true");
  CHECK(hv(r.headers, "Access-Control-Expose-Headers") == "<none>");  // * with credentials
  CHECK(hv(r.headers, "Vary") == "Accept-Encoding,Origin");
}
