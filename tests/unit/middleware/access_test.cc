#include "harness.h"

using namespace pier;
using namespace pier::test;
using middleware::Verdict;

TEST_CASE("ipAllowList: peer address, CIDR and single IP") {
  auto chain =
      mustBuild("    m: {ipAllowList: {sourceRange: [\"10.0.0.0/8\", \"::1\"]}}\n", {"m@file"});
  Exchange a("/");
  CHECK(a.go(chain, "10.1.2.3") == Verdict::Continue);
  Exchange b("/");
  CHECK(b.go(chain, "::1") == Verdict::Continue);
  Exchange c("/");
  CHECK(c.go(chain, "11.0.0.1") == Verdict::Answer);
  CHECK(c.answer.status == 403);
  CHECK(c.answer.body == "Forbidden");
}

TEST_CASE("ipAllowList: ipStrategy depth and excludedIPs use X-Forwarded-For") {
  auto depth = mustBuild("    m: {ipAllowList: {sourceRange: [1.1.1.1], ipStrategy: {depth: 2}}}\n",
                         {"m@file"});
  Exchange a("/");
  a.header("X-Forwarded-For", "1.1.1.1, 2.2.2.2");
  CHECK(a.go(depth, "9.9.9.9") == Verdict::Continue);
  Exchange b("/");
  b.header("X-Forwarded-For", "2.2.2.2");
  CHECK(b.go(depth, "1.1.1.1") == Verdict::Answer);  // too few entries: no client IP
  auto excl = mustBuild(
      "    m: {ipAllowList: {sourceRange: [5.5.5.5], ipStrategy: {excludedIPs: [6.0.0.0/8]}}}\n",
      {"m@file"});
  Exchange c("/");
  c.header("X-Forwarded-For", "5.5.5.5").header("X-Forwarded-For", "6.1.1.1, 6.2.2.2");
  CHECK(c.go(excl) == Verdict::Continue);
}

TEST_CASE("ipAllowList: rejectStatusCode and the errors") {
  auto chain = mustBuild(
      "    m: {ipAllowList: {sourceRange: [10.0.0.0/8], rejectStatusCode: 404}}\n", {"m@file"});
  Exchange a("/");
  a.go(chain);
  CHECK(a.answer.status == 404);
  CHECK(a.answer.body == "Not Found");
  CHECK(buildError("    m: {ipAllowList: {sourceRange: []}}\n", {"m@file"})
            .find("ipAllowList.sourceRange: expected at least one") != std::string::npos);
  CHECK(buildError("    m: {ipWhiteList: {sourceRange: [1.1.1.1], rejectStatusCode: 404}}\n",
                   {"m@file"})
            .find("rejectStatusCode") != std::string::npos);
}

TEST_CASE("rateLimit: burst, then 429 with Retry-After; sources are separate") {
  auto chain = mustBuild("    m: {rateLimit: {average: 1, period: 1m, burst: 2}}\n", {"m@file"});
  for (int i = 0; i < 2; ++i) {
    Exchange ok("/");
    CHECK(ok.go(chain, "1.1.1.1") == Verdict::Continue);
  }
  Exchange limited("/");
  CHECK(limited.go(chain, "1.1.1.1") == Verdict::Answer);
  CHECK(limited.answer.status == 429);
  CHECK(limited.answer.body == "Too Many Requests");
  int retry = std::stoi(limited.ah("Retry-After"));
  CHECK(retry >= 29);
  CHECK(retry <= 60);
  CHECK(limited.ah("X-Retry-In").ends_with("s"));
  Exchange other("/");
  CHECK(other.go(chain, "2.2.2.2") == Verdict::Continue);
}

TEST_CASE("rateLimit: average 0 is unlimited; requestHost criterion") {
  auto unlimited = mustBuild("    m: {rateLimit: {average: 0}}\n", {"m@file"});
  for (int i = 0; i < 50; ++i) {
    Exchange e("/");
    CHECK(e.go(unlimited) == Verdict::Continue);
  }
  auto by_host = mustBuild(
      "    m: {rateLimit: {average: 1, period: 1h, sourceCriterion: {requestHost: true}}}\n",
      {"m@file"});
  Exchange a("/");
  CHECK(a.go(by_host, "1.1.1.1") == Verdict::Continue);
  Exchange b("/");
  CHECK(b.go(by_host, "2.2.2.2") == Verdict::Answer);  // same host, other peer
}

TEST_CASE("inFlightReq: slots per source, released when the exchange ends") {
  auto chain = mustBuild("    m: {inFlightReq: {amount: 2}}\n", {"m@file"});
  auto first = std::make_unique<Exchange>("/");
  auto second = std::make_unique<Exchange>("/");
  CHECK(first->go(chain) == Verdict::Continue);
  CHECK(second->go(chain) == Verdict::Continue);
  Exchange third("/");
  CHECK(third.go(chain) == Verdict::Answer);
  CHECK(third.answer.status == 429);
  CHECK(third.answer.body == "max connections reached: 2");
  Exchange other_host("/");
  other_host.head.headers.set("Host", "b.test");  // default source: the request host
  CHECK(other_host.go(chain) == Verdict::Continue);
  first.reset();  // the exchange ends: its slot is free
  Exchange fourth("/");
  CHECK(fourth.go(chain) == Verdict::Continue);
}
