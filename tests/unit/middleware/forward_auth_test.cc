// forwardAuth: option decoding, the auth request it describes, and the chain suspending and
// resuming around a fake outgoing call (the proxy's SubRequest is covered by the integration
// tests).
#include "middleware/forward_auth.h"
#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::IncomingResponse;
using middleware::OutgoingRequest;
using middleware::Verdict;

namespace {

// Runs a chain with an HttpCaller that records the request and keeps the completion.
struct AsyncExchange {
  http::RequestHead head;
  middleware::ChainRun run;
  middleware::RequestContext ctx{.head = head};
  OutgoingRequest sent;
  middleware::HttpDone done;
  std::optional<Verdict> resumed;
  bool start_ok = true;

  explicit AsyncExchange(std::string target) {
    head.method = "GET";
    head.target = std::move(target);
    head.headers.add("Host", "app.test:8080");
    ctx.peer = *base::IpAddress::parse("10.1.2.3");
    ctx.http = [this](OutgoingRequest&& r, middleware::HttpDone d) {
      if (!start_ok) {
        return false;
      }
      sent = std::move(r);
      done = std::move(d);
      return true;
    };
    ctx.resume = [this](Verdict v) { resumed = v; };
  }
  Verdict complete(IncomingResponse r) {
    REQUIRE(done);
    auto d = std::move(done);
    d(std::move(r));
    REQUIRE(resumed.has_value());
    return run.resume(ctx, *resumed);
  }
};

IncomingResponse answer(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                        std::string body = {}) {
  IncomingResponse r;
  r.ok = true;
  r.status = status;
  for (auto& [n, v] : headers) {
    r.headers.add(n, v);
  }
  r.body = std::move(body);
  return r;
}

std::string get(const http::HeaderMap& h, std::string_view n) {
  return hv(h, n);
}

}  // namespace

TEST_CASE("forwardAuth: URL parsing") {
  auto u = middleware::parseHttpUrl("http://auth.local:9000/verify?x=1");
  REQUIRE(u);
  CHECK(!u->https);
  CHECK(u->host == "auth.local");
  CHECK(u->port == 9000);
  CHECK(u->target == "/verify?x=1");
  CHECK(u->authority == "auth.local:9000");
  auto s = middleware::parseHttpUrl("https://[::1]");
  REQUIRE(s);
  CHECK(s->https);
  CHECK(s->host == "::1");
  CHECK(s->port == 443);
  CHECK(s->target == "/");
  CHECK(!middleware::parseHttpUrl("ftp://x"));
  CHECK(!middleware::parseHttpUrl("http://:80/"));
  CHECK(!middleware::parseHttpUrl("http://a:99999/"));
  CHECK(middleware::absoluteLocation(*u, "/login") == "http://auth.local:9000/login");
  CHECK(middleware::absoluteLocation(*u, "https://sso/x") == "https://sso/x");
  CHECK(middleware::absoluteLocation(*u, "next") == "http://auth.local:9000/next");
}

TEST_CASE("forwardAuth: option errors name the middleware and option") {
  CHECK(buildError("    fa:\n      forwardAuth:\n        trustForwardHeader: true\n", {"fa@file"})
            .find("forwardAuth.address") != std::string::npos);
  CHECK(buildError("    fa:\n      forwardAuth:\n        address: auth:80\n", {"fa@file"})
            .find("http:// or https://") != std::string::npos);
  CHECK(buildError("    fa:\n      forwardAuth:\n        address: http://a\n"
                   "        authResponseHeadersRegex: '('\n",
                   {"fa@file"})
            .find("authResponseHeadersRegex") != std::string::npos);
  CHECK(buildError("    fa:\n      forwardAuth:\n        address: http://a\n        bogus: 1\n",
                   {"fa@file"})
            .find("fa@file") != std::string::npos);
  auto chain = mustBuild("    fa:\n      forwardAuth:\n        address: http://a\n", {"fa@file"});
  CHECK(chain->maySuspend());
}

TEST_CASE("forwardAuth: auth request headers as Traefik builds them") {
  http::RequestHead req;
  req.method = "POST";
  req.target = "/p?q=1";
  req.headers.add("Host", "app.test");
  req.headers.add("Connection", "X-Hop");
  req.headers.add("X-Hop", "1");
  req.headers.add("Upgrade", "h2c");
  req.headers.add("X-Forwarded-For", "1.1.1.1");
  req.headers.add("X-Forwarded-Prefix", "/pre");
  req.headers.add("Proxy-Authorization", "Basic x");
  req.headers.add("Cookie", "a=b");
  auto peer = *base::IpAddress::parse("10.0.0.9");

  SUBCASE("trustForwardHeader unset: five headers overwritten, others kept") {
    auto h = middleware::authRequestHeaders(req, peer, false, std::nullopt, {});
    CHECK(get(h, "X-Forwarded-For") == "10.0.0.9");
    CHECK(get(h, "X-Forwarded-Method") == "POST");
    CHECK(get(h, "X-Forwarded-Proto") == "http");
    CHECK(get(h, "X-Forwarded-Host") == "app.test");
    CHECK(get(h, "X-Forwarded-Uri") == "/p?q=1");
    CHECK(get(h, "X-Forwarded-Prefix") == "/pre");
    CHECK(get(h, "Proxy-Authorization") == "Basic x");
    CHECK(!h.has("X-Hop"));
    CHECK(!h.has("Upgrade"));
    CHECK(!h.has("Connection"));
  }
  SUBCASE("false: incoming X-Forwarded-* removed, port added") {
    auto h = middleware::authRequestHeaders(req, peer, true, false, {});
    CHECK(get(h, "X-Forwarded-For") == "10.0.0.9");
    CHECK(!h.has("X-Forwarded-Prefix"));
    CHECK(get(h, "X-Forwarded-Port") == "443");
    CHECK(get(h, "X-Forwarded-Proto") == "https");
  }
  SUBCASE("true: XFF appended, existing kept") {
    req.headers.add("X-Forwarded-Host", "orig.test");
    auto h = middleware::authRequestHeaders(req, peer, false, true, {});
    CHECK(get(h, "X-Forwarded-For") == "1.1.1.1, 10.0.0.9");
    CHECK(get(h, "X-Forwarded-Host") == "orig.test");
    CHECK(get(h, "X-Forwarded-Port") == "80");
  }
  SUBCASE("authRequestHeaders filters before the X-Forwarded-* are added") {
    auto h = middleware::authRequestHeaders(req, peer, false, std::nullopt, {"Cookie"});
    CHECK(get(h, "Cookie") == "a=b");
    CHECK(!h.has("Proxy-Authorization"));
    CHECK(!h.has("Host"));
    CHECK(get(h, "X-Forwarded-Uri") == "/p?q=1");
  }
}

TEST_CASE("forwardAuth: suspends, then continues with the auth server's headers") {
  auto chain = mustBuild(
      "    fa:\n      forwardAuth:\n        address: http://127.0.0.1:9/auth\n"
      "        authResponseHeaders: [X-User]\n        authResponseHeadersRegex: '^X-Auth-'\n"
      "    tag:\n      headers:\n        customRequestHeaders:\n          X-After: yes\n",
      {"fa@file", "tag@file"});
  AsyncExchange ex("/x?y=1");
  ex.head.headers.add("X-User", "eve");
  ex.head.headers.add("X-Auth-Role", "admin");
  CHECK(ex.run.runRequest(*chain, ex.ctx) == Verdict::Suspend);
  CHECK(ex.sent.method == "GET");
  CHECK(ex.sent.host == "127.0.0.1");
  CHECK(ex.sent.port == 9);
  CHECK(ex.sent.target == "/auth");
  CHECK(get(ex.sent.headers, "X-Forwarded-Uri") == "/x?y=1");
  CHECK(get(ex.sent.headers, "X-Forwarded-Host") == "app.test:8080");
  CHECK(!ex.head.headers.has("X-After"));  // the next middleware waits for the answer
  auto v = ex.complete(answer(204, {{"X-User", "bob"}, {"X-Auth-Team", "red"}}));
  CHECK(v == Verdict::Continue);
  CHECK(get(ex.head.headers, "X-User") == "bob");
  CHECK(get(ex.head.headers, "X-Auth-Team") == "red");
  CHECK(!ex.head.headers.has("X-Auth-Role"));
  CHECK(get(ex.head.headers, "X-After") == "yes");
}

TEST_CASE("forwardAuth: a denial is the auth server's response") {
  auto chain = mustBuild("    fa:\n      forwardAuth:\n        address: http://auth.test/a/check\n",
                         {"fa@file"});
  AsyncExchange ex("/x");
  REQUIRE(ex.run.runRequest(*chain, ex.ctx) == Verdict::Suspend);
  auto v = ex.complete(answer(
      302, {{"Location", "/login"}, {"Transfer-Encoding", "chunked"}, {"X-Why", "no"}}, "nope"));
  CHECK(v == Verdict::Answer);
  CHECK(ex.ctx.answer.status == 302);
  CHECK(ex.ctx.answer.body == "nope");
  CHECK(get(ex.ctx.answer.headers, "Location") == "http://auth.test/login");
  CHECK(get(ex.ctx.answer.headers, "X-Why") == "no");
  CHECK(!ex.ctx.answer.headers.has("Transfer-Encoding"));
}

TEST_CASE("forwardAuth: unreachable server, call not started, body too large") {
  auto chain = mustBuild(
      "    fa:\n      forwardAuth:\n        address: http://auth.test/\n"
      "        maxResponseBodySize: 4\n",
      {"fa@file"});
  {
    AsyncExchange ex("/x");
    REQUIRE(ex.run.runRequest(*chain, ex.ctx) == Verdict::Suspend);
    CHECK(ex.sent.max_response_body == 4);
    CHECK(ex.complete(IncomingResponse{}) == Verdict::Answer);
    CHECK(ex.ctx.answer.status == 500);
    CHECK(ex.ctx.answer.body.empty());
  }
  {
    AsyncExchange ex("/x");
    ex.start_ok = false;
    CHECK(ex.run.runRequest(*chain, ex.ctx) == Verdict::Answer);
    CHECK(ex.ctx.answer.status == 500);
  }
  {
    AsyncExchange ex("/x");
    REQUIRE(ex.run.runRequest(*chain, ex.ctx) == Verdict::Suspend);
    IncomingResponse big = answer(200);
    big.body_too_large = true;
    CHECK(ex.complete(std::move(big)) == Verdict::Answer);
    CHECK(ex.ctx.answer.status == 401);
  }
}

TEST_CASE("forwardAuth: addAuthCookiesToResponse replaces the backend's cookies of that name") {
  auto chain = mustBuild(
      "    fa:\n      forwardAuth:\n        address: http://auth.test/\n"
      "        addAuthCookiesToResponse: [session]\n",
      {"fa@file"});
  AsyncExchange ex("/x");
  REQUIRE(ex.run.runRequest(*chain, ex.ctx) == Verdict::Suspend);
  CHECK(ex.complete(answer(200, {{"Set-Cookie", "session=auth; Path=/"},
                                 {"Set-Cookie", "other=1"}})) == Verdict::Continue);
  http::ResponseHead r;
  r.headers.add("Set-Cookie", "session=backend");
  r.headers.add("Set-Cookie", "keep=1");
  ex.run.runResponse(r);
  std::vector<std::string> cookies;
  r.headers.forEach("Set-Cookie", [&](std::string_view v) { cookies.emplace_back(v); });
  REQUIRE(cookies.size() == 2);
  CHECK(cookies[0] == "keep=1");
  CHECK(cookies[1] == "session=auth; Path=/");
}

TEST_CASE("forwardAuth: labels decode") {
  auto dyn = config::decodeDynamicFlat(
      {{"http.middlewares.fa.forwardauth.address", "https://127.0.0.1:9443/v"},
       {"http.middlewares.fa.forwardauth.tls.insecureskipverify", "true"},
       {"http.middlewares.fa.forwardauth.trustforwardheader", "true"},
       {"http.middlewares.fa.forwardauth.authresponseheaders", "X-User,X-Team"}},
      "label traefik.");
  REQUIRE_MESSAGE(dyn, (dyn ? "" : dyn.error().message));
  config::qualifyNames(*dyn, "docker");
  middleware::MiddlewareSet set(dyn->http.middlewares);
  auto chain = set.chainFor({"fa@docker"});
  REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().message));
  AsyncExchange ex("/x");
  REQUIRE(ex.run.runRequest(**chain, ex.ctx) == Verdict::Suspend);
  CHECK(ex.sent.https);
  CHECK(ex.sent.tls != nullptr);
  CHECK(ex.sent.port == 9443);
}
