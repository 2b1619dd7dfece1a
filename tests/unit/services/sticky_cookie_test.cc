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
