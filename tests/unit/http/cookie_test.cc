#include "http/cookie.h"

#include <doctest/doctest.h>

using namespace pier;

TEST_CASE("cookie: found among several cookies and Cookie fields, quotes removed") {
  http::HeaderMap h;
  h.add("Cookie", "a=1; b=2");
  h.add("Cookie", "_abcde=\"v42\"; c=3");
  CHECK(http::findCookie(h, "b").value() == "2");
  CHECK(http::findCookie(h, "_abcde").value() == "v42");
  CHECK_FALSE(http::findCookie(h, "d").has_value());
  CHECK_FALSE(http::findCookie(h, "_abcd").has_value());
}

TEST_CASE("cookie: Set-Cookie attributes in Go's order") {
  http::CookieAttributes c;
  CHECK(http::renderSetCookie("sess", "0123", c) == "sess=0123; Path=/");
  c.path = "/app";
  c.domain = ".example.com";
  c.max_age = 60;
  c.http_only = true;
  c.secure = true;
  c.same_site = http::canonicalSameSite("STRICT");
  CHECK(http::renderSetCookie("sess", "0123", c) ==
        "sess=0123; Path=/app; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Strict");
  c.path = "/a;b\x01";
  CHECK(http::renderSetCookie("sess", "v", c).starts_with("sess=v; Path=/ab; Domain=example.com;"));
  c.max_age = -1;
  CHECK(http::renderSetCookie("sess", "x", c).find("; Max-Age=0;") != std::string::npos);
  CHECK(http::canonicalSameSite("lax") == "Lax");
  CHECK(http::canonicalSameSite("none") == "None");
  CHECK(http::canonicalSameSite("bogus").empty());
}

TEST_CASE("cookie: names keep RFC 2616 token characters, the rest become '_'") {
  CHECK(http::sanitizeCookieName("my cookie;x=1") == "my_cookie_x_1");
  CHECK(http::sanitizeCookieName("a.b-c~d!_#$%&'*+^`|") == "a.b-c~d!_#$%&'*+^`|");
  CHECK(http::sanitizeCookieName("\"(),/:<>?@[]\\{}\x7f\xc3") == "_________________");
  CHECK(http::sanitizeCookieName("").empty());
}
