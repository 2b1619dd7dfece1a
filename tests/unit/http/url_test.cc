#include "http/url.h"

#include <doctest/doctest.h>

using namespace pier::http;

TEST_SUITE("http") {
  TEST_CASE("url: normalization and sanitization (spec G.6, G1.7, C1.6)") {
    struct Case {
      const char* name;
      const char* target;
      const char* path;
      const char* routing;
      const char* query;
    };
    const Case cases[] = {
        {"plain", "/a/b", "/a/b", "/a/b", ""},
        {"query kept", "/a?x=1&y=2", "/a", "/a", "x=1&y=2"},
        {"G.6 encoded dots", "/foo/%2E%2E/bar", "/bar", "/bar", ""},
        {"G1.7 lower-case encoded dots", "/foo/%2e%2e/bar", "/bar", "/bar", ""},
        {"G.6 dot-dot", "/foo/../bar", "/bar", "/bar", ""},
        {"G.6 slashes", "//a///b", "/a/b", "/a/b", ""},
        {"dot segment", "/a/./b", "/a/b", "/a/b", ""},
        {"dot-dot above root", "/../../a", "/a", "/a", ""},
        {"trailing slash kept", "/a/b/", "/a/b/", "/a/b/", ""},
        {"trailing dot", "/a/b/.", "/a/b/", "/a/b/", ""},
        {"trailing dot-dot", "/a/b/..", "/a/", "/a/", ""},
        {"root", "/", "/", "/", ""},
        {"C1.6 space decoded for matching", "/foo%20bar", "/foo%20bar", "/foo bar", ""},
        {"C1.6 slash stays encoded", "/foo%2Fbar", "/foo%2Fbar", "/foo%2Fbar", ""},
        {"hex upper-cased", "/a%2fb%3bc", "/a%2Fb%3Bc", "/a%2Fb%3Bc", ""},
        {"unreserved decoded", "/%41%7E%2D", "/A~-", "/A~-", ""},
        {"percent stays", "/100%25", "/100%25", "/100%25", ""},
        {"non-ASCII decoded for matching", "/caf%C3%A9", "/caf%C3%A9", "/caf\xC3\xA9", ""},
        {"encoded dot-dot with slash kept", "/a/%2E%2E%2Fb", "/a/..%2Fb", "/a/..%2Fb", ""},
        {"semicolons to &", "/a?x=1;y=2", "/a", "/a", "x=1&y=2"},
        {"absolute-form", "http://a.com:8000/x/../y?q", "/y", "/y", "q"},
        {"absolute-form empty path", "http://a.com", "/", "/", ""},
        {"absolute-form query only", "HTTPS://a.com?z=1", "/", "/", "z=1"},
        {"asterisk", "*", "*", "*", ""},
    };
    for (const Case& c : cases) {
      SUBCASE(c.name) {
        auto r = normalizeTarget(c.target, true, false);
        REQUIRE(r.has_value());
        CHECK(r->path == c.path);
        CHECK(r->routing_path == c.routing);
        CHECK(r->query == c.query);
      }
    }
  }

  TEST_CASE("url: sanitizePath off keeps dot segments but still normalizes escapes") {
    auto r = normalizeTarget("/a/%2e%2E//b/../c", false, false);
    REQUIRE(r.has_value());
    CHECK(r->path == "/a/..//b/../c");
  }

  TEST_CASE("url: encodeQuerySemicolons") {
    auto r = normalizeTarget("/a?x=1;y=2", true, true);
    REQUIRE(r.has_value());
    CHECK(r->query == "x=1%3By=2");
  }

  TEST_CASE("url: absolute-form gives the authority") {
    auto r = normalizeTarget("http://A.com:8000/p", true, false);
    REQUIRE(r.has_value());
    CHECK(r->authority == "A.com:8000");
    auto o = normalizeTarget("/p", true, false);
    CHECK(o->authority.empty());
  }

  TEST_CASE("url: rejected targets are 400 downstream errors (spec G.5, G1.7)") {
    const char* bad[] = {"/a#b", "/a?x#y", "/%", "/%4",       "/%zz",
                         "/a%2", "a/b",    "",   "ftp://x/y", "/a?b=%"};
    for (const char* t : bad) {
      CAPTURE(t);
      auto r = normalizeTarget(t, true, false);
      if (std::string_view(t) == "/a?b=%") {
        CHECK(r.has_value());  // the query is forwarded as sent; only the path is decoded
        continue;
      }
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().source == pier::ErrorSource::Downstream);
    }
  }

  TEST_CASE("url: canonicalHost (spec C.2, C1.3)") {
    struct Case {
      const char* in;
      const char* out;
    };
    const Case cases[] = {
        {"Example.COM:8080", "example.com"},
        {" a.com ", "a.com"},
        {"[::1]:80", "::1"},
        {"[::1]", "::1"},
        {"a.com.", "a.com"},
        {"A.com.:443", "a.com"},
        {"", ""},
        {"::1", "::1"},
        {"10.0.0.1:80", "10.0.0.1"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      CHECK(canonicalHost(c.in) == c.out);
    }
  }

}  // TEST_SUITE
