#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

TEST_CASE("chain: middlewares run in the router's order, chain kind inlined") {
  auto chain = mustBuild(R"(
    c: {chain: {middlewares: [strip, add]}}
    strip: {stripPrefix: {prefixes: [/api]}}
    add: {addPrefix: {prefix: /v2}}
)",
                         {"c@file"});
  CHECK(chain->items().size() == 2);
  Exchange ex("/api/x?q=1");
  CHECK(ex.go(chain) == Verdict::Continue);
  CHECK(ex.head.target == "/v2/x?q=1");
}

TEST_CASE("chain: a cycle is an error naming the path") {
  std::string err = buildError(R"(
    a: {chain: {middlewares: [b]}}
    b: {chain: {middlewares: [a]}}
)",
                               {"a@file"});
  CHECK(err.find("chain cycle") != std::string::npos);
  CHECK(err.find("\"a@file\" -> \"b@file\" -> \"a@file\"") != std::string::npos);
}

TEST_CASE("chain: unqualified inner references take the chain's provider; qualified ones stay") {
  auto dyn = parseMiddlewares(R"(
    c: {chain: {middlewares: [inner, other@docker]}}
    inner: {addPrefix: {prefix: /i}}
)");
  dyn.http.middlewares["other@docker"] = dyn.http.middlewares["inner@file"];
  middleware::MiddlewareSet set(dyn.http.middlewares);
  auto chain = set.chainFor({"c@file"});
  REQUIRE(chain);
  CHECK((*chain)->items().size() == 2);
  CHECK((*chain)->items()[1]->name() == "other@docker");
  CHECK(middleware::qualifyReference("x", "c@docker") == "x@docker");
  CHECK(middleware::qualifyReference("x@file", "c@docker") == "x@file");
}

TEST_CASE("chain: each middleware is built once and shared between routers") {
  auto dyn = parseMiddlewares(R"(
    rl: {rateLimit: {average: 10}}
)");
  middleware::MiddlewareSet set(dyn.http.middlewares);
  auto a = set.chainFor({"rl@file"});
  auto b = set.chainFor({"rl@file"});
  REQUIRE(a);
  REQUIRE(b);
  CHECK((*a)->items()[0].get() == (*b)->items()[0].get());
}

TEST_CASE("registry: errors name the middleware, the option and what is expected") {
  CHECK(buildError("    m: {addPrefix: {prefix: \"\"}}\n", {"m@file"}) ==
        "middleware \"m@file\": addPrefix.prefix: expected a non-empty path prefix such as /api");
  CHECK(buildError("    m: {stripPrefix: {prefixe: [/a]}}\n", {"m@file"}).find("did you mean") !=
        std::string::npos);
  CHECK(buildError("    m: {ipAllowList: {sourceRange: [nope]}}\n", {"m@file"}) ==
        "middleware \"m@file\": ipAllowList.sourceRange: \"nope\" is not an IP address or CIDR "
        "range");
  CHECK(buildError("    m: {grpcWeb: {}}\n", {"m@file"}).find("not supported") !=
        std::string::npos);
  CHECK(buildError("", {"missing@file"}) == "middleware \"missing@file\" does not exist");
  CHECK(buildError("    m: {headers: {}}\n", {"m@file"}).find("no option is set") !=
        std::string::npos);
  CHECK(buildError("    m: {replacePathRegex: {regex: \"(\"}}\n", {"m@file"})
            .starts_with("middleware \"m@file\": replacePathRegex.regex: "));
}

TEST_CASE("chain run: response hooks run last first, only for middlewares that ran") {
  auto chain = mustBuild(R"(
    h1: {headers: {customResponseHeaders: {X-Order: one}}}
    h2: {headers: {customResponseHeaders: {X-Order: two, X-Two: yes}}}
    deny: {ipAllowList: {sourceRange: [10.0.0.0/8]}}
    h3: {headers: {customResponseHeaders: {X-Three: yes}}}
)",
                         {"h1@file", "h2@file", "deny@file", "h3@file"});
  Exchange ex("/");
  CHECK(ex.go(chain) == Verdict::Answer);
  CHECK(ex.answer.status == 403);
  // h2 then h1 edited the answer (h1 last, so its value wins); h3 never ran.
  CHECK(ex.ah("X-Order") == "one");
  CHECK(ex.ah("X-Two") == "yes");
  CHECK(ex.ah("X-Three") == "<none>");
}
