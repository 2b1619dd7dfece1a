#include "runtime/sticky_cookie.h"

#include <doctest/doctest.h>

using namespace pier;

TEST_CASE("sticky cookie: default name is _ + 5 hex digits of SHA-1 of the service name") {
  // SHA-1("_TRAEFIK_BACKEND_whoami@file") starts with 77b1f (computed with Python's hashlib).
  std::string name = runtime::stickyCookieName("", "whoami@file");
  CHECK(name == "_77b1f");
  CHECK(name == runtime::stickyCookieName("", "whoami@file"));
  CHECK(name != runtime::stickyCookieName("", "other@file"));
}

TEST_CASE("sticky cookie: a configured name keeps token characters, others become _") {
  CHECK(runtime::stickyCookieName("my cookie;x=1", "s@file") == "my_cookie_x_1");
  CHECK(runtime::stickyCookieName("a.b-c~d!", "s@file") == "a.b-c~d!");
}

TEST_CASE("sticky cookie: value is the first 16 hex digits of SHA-256, never the URL") {
  // printf 'http://127.0.0.1:8080' | sha256sum
  std::string v = runtime::stickyCookieValue("http://127.0.0.1:8080");
  CHECK(v.size() == 16);
  CHECK(v == "d30a576c03187167");
  CHECK(v.find("127") == std::string::npos);
  CHECK(runtime::stickyCookieValue("") == "e3b0c44298fc1c14");  // SHA-256 of the empty string
}

TEST_CASE("sticky cookie: FNV-64 legacy values match Go's fnv.New64") {
  CHECK(runtime::fnv64Hex("") == "cbf29ce484222325");  // the FNV-1 offset basis
  CHECK(runtime::fnv64Hex("a") == "af63bd4c8601b7be");
  auto legacy = runtime::legacyStickyValues("http://x");
  REQUIRE(legacy.size() == 3);
  CHECK(legacy[0] == "http://x");
  CHECK(legacy[2] == runtime::fnv64Hex(legacy[1]));
}

TEST_CASE("sticky cookie: found among several cookies and Cookie fields, quotes removed") {
  http::HeaderMap h;
  h.add("Cookie", "a=1; b=2");
  h.add("Cookie", "_abcde=\"v42\"; c=3");
  CHECK(runtime::findCookie(h, "b").value() == "2");
  CHECK(runtime::findCookie(h, "_abcde").value() == "v42");
  CHECK_FALSE(runtime::findCookie(h, "d").has_value());
  CHECK_FALSE(runtime::findCookie(h, "_abcd").has_value());
}

TEST_CASE("sticky cookie: Set-Cookie attributes in Go's order") {
  runtime::StickyCookieSpec c;
  c.name = "sess";
  CHECK(runtime::renderSetCookie(c, "0123") == "sess=0123; Path=/");
  c.path = "/app";
  c.domain = ".example.com";
  c.max_age = 60;
  c.http_only = true;
  c.secure = true;
  c.same_site = runtime::canonicalSameSite("STRICT");
  CHECK(runtime::renderSetCookie(c, "0123") ==
        "sess=0123; Path=/app; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Strict");
  c.path = "/a;b\x01";
  CHECK(runtime::renderSetCookie(c, "v").starts_with("sess=v; Path=/ab; Domain=example.com;"));
  c.max_age = -1;
  CHECK(runtime::renderSetCookie(c, "x").find("; Max-Age=0;") != std::string::npos);
  CHECK(runtime::canonicalSameSite("lax") == "Lax");
  CHECK(runtime::canonicalSameSite("none") == "None");
  CHECK(runtime::canonicalSameSite("bogus").empty());
}

TEST_CASE("sticky cookie: current values match exactly, legacy ones ask for a rewrite") {
  runtime::StickyCookieSpec c;
  for (std::string url : {"http://a:1", "http://b:2"}) {
    c.values.push_back(runtime::stickyCookieValue(url));
    c.legacy_values.push_back(runtime::legacyStickyValues(url));
  }
  auto m = runtime::matchStickyValue(c, c.values[1]);
  REQUIRE(m);
  CHECK(m->target == 1);
  CHECK_FALSE(m->legacy);
  m = runtime::matchStickyValue(c, "http://a:1");
  REQUIRE(m);
  CHECK(m->target == 0);
  CHECK(m->legacy);
  CHECK_FALSE(runtime::matchStickyValue(c, "nonsense").has_value());
}
