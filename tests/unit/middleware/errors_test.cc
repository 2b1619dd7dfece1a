// errors middleware: status ranges, the page target, options and response interception.
#include "harness.h"
#include "middleware/error_pages.h"

using namespace pier;
using namespace pier::test;

TEST_CASE("errors: status ranges") {
  auto r = middleware::parseStatusRanges({"500-599", "404"});
  REQUIRE(r);
  CHECK(middleware::inRanges(*r, 404));
  CHECK(middleware::inRanges(*r, 500));
  CHECK(middleware::inRanges(*r, 599));
  CHECK(!middleware::inRanges(*r, 403));
  CHECK(!middleware::inRanges(*r, 600));
  CHECK(!middleware::parseStatusRanges({"5xx"}));
  CHECK(!middleware::parseStatusRanges({"500-"}));
}

TEST_CASE("errors: page target placeholders") {
  CHECK(middleware::errorPageTarget("/{status}.html", 502, 502, "") == "/502.html");
  CHECK(middleware::errorPageTarget("err?c={originalStatus}", 404, 500, "") == "/err?c=500");
  CHECK(middleware::errorPageTarget("/e?u={url}", 500, 500, "http://a.test/x?y=1 2") ==
        "/e?u=http%3A%2F%2Fa.test%2Fx%3Fy%3D1+2");
  CHECK(middleware::errorPageTarget("", 500, 500, "") == "/");
}

TEST_CASE("errors: options and interception") {
  CHECK(buildError("    e:\n      errors:\n        status: ['500']\n", {"e@file"})
            .find("errors.service") != std::string::npos);
  CHECK(
      buildError("    e:\n      errors:\n        service: s\n        status: ['abc']\n", {"e@file"})
          .find("errors.status") != std::string::npos);
  auto chain = mustBuild(
      "    e:\n      errors:\n        service: pages\n        status: ['500-599', '404']\n"
      "        query: /{status}.html\n",
      {"e@file"});
  CHECK(chain->interceptsResponses());
  Exchange ex("/a?b=1");
  REQUIRE(ex.go(chain) == middleware::Verdict::Continue);
  CHECK(ex.run.interceptorFor(200) == nullptr);
  const middleware::Middleware* m = ex.run.interceptorFor(503);
  REQUIRE(m != nullptr);
  CHECK(ex.run.target() == "/a?b=1");

  middleware::ReplaceContext rc;
  rc.request_headers = &ex.run.requestHeaders();
  rc.target = ex.run.target();
  std::string service;
  middleware::OutgoingRequest sent;
  middleware::HttpDone done;
  rc.call_service = [&](const std::string& s, middleware::OutgoingRequest&& r,
                        middleware::HttpDone d) {
    service = s;
    sent = std::move(r);
    done = std::move(d);
    return true;
  };
  std::optional<middleware::LocalAnswer> got;
  middleware::LocalAnswer now;
  CHECK(m->replaceResponse(
      rc, 503, [&](middleware::LocalAnswer&& a) { got = std::move(a); }, now));
  CHECK(service == "pages@file");
  CHECK(sent.method == "GET");
  CHECK(sent.target == "/503.html");
  CHECK(hv(sent.headers, "Host") == "a.test");
  middleware::IncomingResponse page;
  page.ok = true;
  page.status = 200;
  page.headers.add("Content-Type", "text/html");
  page.body = "<h1>oops</h1>";
  done(std::move(page));
  REQUIRE(got);
  CHECK(got->status == 503);
  CHECK(got->body == "<h1>oops</h1>");
  CHECK(hv(got->headers, "Content-Type") == "text/html");

  rc.call_service = [](const std::string&, middleware::OutgoingRequest&&, middleware::HttpDone) {
    return false;
  };
  CHECK(!m->replaceResponse(
      rc, 502, [](middleware::LocalAnswer&&) {}, now));
  CHECK(now.status == 502);
  CHECK(now.body == "Bad Gateway\n");
}
