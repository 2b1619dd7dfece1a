#include "harness.h"
#include "middleware/path_util.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

TEST_CASE("stripPrefix: first matching byte prefix, leading slash, X-Forwarded-Prefix") {
  auto chain = mustBuild("    m: {stripPrefix: {prefixes: [/foo, /api]}}\n", {"m@file"});
  Exchange a("/api/users?x=1");
  CHECK(a.go(chain) == Verdict::Continue);
  CHECK(a.head.target == "/users?x=1");
  CHECK(a.h("X-Forwarded-Prefix") == "/api");
  Exchange b("/apiv2");
  b.go(chain);
  CHECK(b.head.target == "/v2");
  Exchange c("/api");
  c.go(chain);
  CHECK(c.head.target == "/");
  Exchange d("/other");
  d.go(chain);
  CHECK(d.head.target == "/other");
  CHECK(d.h("X-Forwarded-Prefix") == "<none>");
  Exchange e("/api./foo");
  CHECK(e.go(chain) == Verdict::Answer);
  CHECK(e.answer.status == 400);
}

TEST_CASE("stripPrefix: forceSlash (deprecated) is accepted") {
  auto chain =
      mustBuild("    m: {stripPrefix: {prefixes: [/api/], forceSlash: true}}\n", {"m@file"});
  Exchange a("/api/x");
  a.go(chain);
  CHECK(a.head.target == "/x");
}

TEST_CASE("stripPrefixRegex: a non-empty match at the start is removed") {
  auto chain = mustBuild("    m: {stripPrefixRegex: {regex: [\"/v[0-9]+\"]}}\n", {"m@file"});
  Exchange a("/v12/items");
  a.go(chain);
  CHECK(a.head.target == "/items");
  CHECK(a.h("X-Forwarded-Prefix") == "/v12");
  Exchange b("/a/v1");
  b.go(chain);
  CHECK(b.head.target == "/a/v1");
}

TEST_CASE("addPrefix / replacePath / replacePathRegex") {
  auto add = mustBuild("    m: {addPrefix: {prefix: base}}\n", {"m@file"});
  Exchange a("/x?q");
  a.go(add);
  CHECK(a.head.target == "/base/x?q");

  auto rp = mustBuild("    m: {replacePath: {path: /new}}\n", {"m@file"});
  Exchange b("/old?q=1");
  b.go(rp);
  CHECK(b.head.target == "/new?q=1");
  CHECK(b.h("X-Replaced-Path") == "/old");

  auto rpr = mustBuild(
      "    m: {replacePathRegex: {regex: \"^/foo/(.*)\", replacement: \"/bar/$1\"}}\n", {"m@file"});
  Exchange c("/foo/a/b");
  c.go(rpr);
  CHECK(c.head.target == "/bar/a/b");
  CHECK(c.h("X-Replaced-Path") == "/foo/a/b");
  Exchange d("/nope");
  d.go(rpr);
  CHECK(d.head.target == "/nope");
  CHECK(d.h("X-Replaced-Path") == "<none>");
}

TEST_CASE("replacePathRegex: a result normalization would change is a 400") {
  auto rpr = mustBuild("    m: {replacePathRegex: {regex: \"^/x\", replacement: \"/a/..\"}}\n",
                       {"m@file"});
  Exchange a("/x/b");
  CHECK(a.go(rpr) == Verdict::Answer);
  CHECK(a.answer.status == 400);
}

TEST_CASE("joinPathClean follows Go's path.Clean, keeping a trailing slash") {
  using middleware::joinPathClean;
  CHECK(joinPathClean("/a/b") == "/a/b");
  CHECK(joinPathClean("/a/b/") == "/a/b/");
  CHECK(joinPathClean("/a//b") == "/a/b");
  CHECK(joinPathClean("/./foo") == "/foo");
  CHECK(joinPathClean("/a/../b") == "/b");
  CHECK(joinPathClean("/..") == "/");
}
