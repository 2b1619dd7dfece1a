#include "proxy/service_resolver.h"

#include <doctest/doctest.h>

#include <map>

#include "runtime/service_status.h"
#include "runtime/sticky_cookie.h"

using namespace pier;

namespace {

class TestCursors final : public proxy::ServiceCursors {
 public:
  proxy::Balancer& balancer(std::size_t i) override { return balancers[i]; }
  proxy::CompositeCursor& cursor(std::size_t i) override { return cursors[i]; }
  std::map<std::size_t, proxy::Balancer> balancers;
  std::map<std::size_t, proxy::CompositeCursor> cursors;
};

runtime::ServiceSpec lb(const std::string& name, std::vector<std::string> urls) {
  runtime::ServiceSpec s;
  s.name = name;
  for (auto& u : urls) {
    runtime::ServerSpec server;
    server.url = u;
    s.servers.push_back(server);
  }
  return s;
}

runtime::ServiceSpec composite(const std::string& name, runtime::ServiceKind kind,
                               runtime::CompositeSpec c) {
  runtime::ServiceSpec s;
  s.name = name;
  s.kind = kind;
  s.composite = std::make_shared<runtime::CompositeSpec>(std::move(c));
  return s;
}

std::shared_ptr<runtime::StickyCookieSpec> sticky(const std::vector<std::string>& ids) {
  auto c = std::make_shared<runtime::StickyCookieSpec>();
  c->name = "_stick";
  for (const auto& id : ids) {
    c->values.push_back(runtime::stickyCookieValue(id));
    c->legacy_values.push_back(runtime::legacyStickyValues(id));
  }
  return c;
}

void markDown(runtime::ServiceSpec& s, std::size_t server) {
  if (!s.health) {
    s.health = std::make_shared<runtime::ServerHealth>(s.servers.size());
  }
  s.health->up[server].store(false);
}

}  // namespace

TEST_CASE("smooth weighted pick: 3:1 interleaves and skips ineligible entries") {
  std::vector<std::int64_t> current;
  std::vector<int> weights{3, 1};
  std::vector<bool> all{true, true};
  std::string order;
  for (int i = 0; i < 8; ++i) {
    order += char('a' + proxy::smoothWeightedPick(current, weights, all));
  }
  CHECK(order == "aabaaaba");
  std::vector<bool> only_b{false, true};
  CHECK(proxy::smoothWeightedPick(current, weights, only_b) == 1);
  CHECK(proxy::smoothWeightedPick(current, weights, {false, false}) == -1);
}

TEST_CASE("mirror counter: percent of requests, evenly spread") {
  std::uint64_t mirrored = 0;
  int taken = 0;
  for (std::uint64_t n = 1; n <= 400; ++n) {
    taken += proxy::takeMirror(n, mirrored, 50) ? 1 : 0;
  }
  CHECK(taken == 200);
  mirrored = 0;
  CHECK_FALSE(proxy::takeMirror(1, mirrored, 0));
  CHECK(proxy::takeMirror(1, mirrored, 100));
}

TEST_CASE("resolver: weighted 3:1 over two loadBalancers") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("a@file", {"http://a"}));
  snap.services.push_back(lb("b@file", {"http://b"}));
  runtime::CompositeSpec c;
  c.children = {{0, 3}, {1, 1}};
  snap.services.push_back(composite("w@file", runtime::ServiceKind::Weighted, c));
  TestCursors cursors;
  http::HeaderMap h;
  std::map<std::string, int> hits;
  for (int i = 0; i < 400; ++i) {
    auto r = proxy::resolveService(snap, 2, h, cursors);
    REQUIRE(r.outcome == proxy::Resolution::Outcome::Forward);
    ++hits[r.leaf->name];
    CHECK(r.set_cookies.empty());
  }
  CHECK(hits["a@file"] == 300);
  CHECK(hits["b@file"] == 100);
}

TEST_CASE("resolver: sticky loadBalancer honours a valid cookie and sets one otherwise") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("s@file", {"http://a:1", "http://b:2"}));
  snap.services[0].sticky = sticky({"http://a:1", "http://b:2"});
  TestCursors cursors;
  http::HeaderMap none;
  auto first = proxy::resolveService(snap, 0, none, cursors);
  REQUIRE(first.outcome == proxy::Resolution::Outcome::Forward);
  REQUIRE(first.set_cookies.size() == 1);
  const std::string& value = snap.services[0].sticky->values[std::size_t(first.server)];
  CHECK(first.set_cookies[0] == "_stick=" + value + "; Path=/");
  http::HeaderMap with;
  with.add("Cookie", "_stick=" + value);
  for (int i = 0; i < 10; ++i) {
    auto r = proxy::resolveService(snap, 0, with, cursors);
    CHECK(r.server == first.server);
    CHECK(r.set_cookies.empty());
  }
  SUBCASE("a legacy value sticks and is rewritten") {
    http::HeaderMap old;
    old.add("Cookie", "_stick=http://b:2");
    auto r = proxy::resolveService(snap, 0, old, cursors);
    CHECK(r.server == 1);
    REQUIRE(r.set_cookies.size() == 1);
    CHECK(r.set_cookies[0].find(snap.services[0].sticky->values[1]) != std::string::npos);
  }
  SUBCASE("a cookie naming a down server is ignored and replaced") {
    markDown(snap.services[0], std::size_t(first.server));
    auto r = proxy::resolveService(snap, 0, with, cursors);
    REQUIRE(r.outcome == proxy::Resolution::Outcome::Forward);
    REQUIRE(r.set_cookies.size() == 1);
    CHECK(r.set_cookies[0].find(value) == std::string::npos);
  }
}

TEST_CASE("resolver: sticky weighted service sticks to a child and skips down children") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("a@file", {"http://a"}));
  snap.services.push_back(lb("b@file", {"http://b"}));
  runtime::CompositeSpec c;
  c.children = {{0, 1}, {1, 1}};
  snap.services.push_back(composite("w@file", runtime::ServiceKind::Weighted, c));
  snap.services[2].sticky = sticky({"a@file", "b@file"});
  TestCursors cursors;
  http::HeaderMap h;
  h.add("Cookie", "_stick=" + runtime::stickyCookieValue("b@file"));
  for (int i = 0; i < 5; ++i) {
    CHECK(proxy::resolveService(snap, 2, h, cursors).leaf->name == "b@file");
  }
  markDown(snap.services[1], 0);
  for (int i = 0; i < 5; ++i) {
    auto r = proxy::resolveService(snap, 2, h, cursors);
    CHECK(r.leaf->name == "a@file");
    CHECK(r.set_cookies.size() == 1);
  }
  markDown(snap.services[0], 0);
  CHECK(proxy::resolveService(snap, 2, h, cursors).outcome ==
        proxy::Resolution::Outcome::NoAvailableServer);
}

TEST_CASE("resolver: failover uses the fallback while main has no server up") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("main@file", {"http://m1", "http://m2"}));
  snap.services.push_back(lb("spare@file", {"http://s"}));
  runtime::CompositeSpec c;
  c.main = 0;
  c.fallback = 1;
  snap.services.push_back(composite("f@file", runtime::ServiceKind::Failover, c));
  TestCursors cursors;
  http::HeaderMap h;
  CHECK(proxy::resolveService(snap, 2, h, cursors).leaf->name == "main@file");
  markDown(snap.services[0], 0);
  CHECK(proxy::resolveService(snap, 2, h, cursors).leaf->name == "main@file");  // m2 is up
  markDown(snap.services[0], 1);
  CHECK(proxy::resolveService(snap, 2, h, cursors).leaf->name == "spare@file");
  CHECK(runtime::serviceUp(snap, 2));
  markDown(snap.services[1], 0);
  CHECK(proxy::resolveService(snap, 2, h, cursors).outcome ==
        proxy::Resolution::Outcome::Unavailable);
  CHECK_FALSE(runtime::serviceUp(snap, 2));
}

TEST_CASE("resolver: nested failover follows its children's status") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("a@file", {"http://a"}));
  snap.services.push_back(lb("b@file", {"http://b"}));
  snap.services.push_back(lb("c@file", {"http://c"}));
  runtime::CompositeSpec w;
  w.children = {{0, 1}, {1, 1}};
  snap.services.push_back(composite("w@file", runtime::ServiceKind::Weighted, w));  // 3
  runtime::CompositeSpec f;
  f.main = 3;
  f.fallback = 2;
  snap.services.push_back(composite("f@file", runtime::ServiceKind::Failover, f));  // 4
  TestCursors cursors;
  http::HeaderMap h;
  markDown(snap.services[0], 0);
  CHECK(proxy::resolveService(snap, 4, h, cursors).leaf->name == "b@file");
  markDown(snap.services[1], 0);
  CHECK(proxy::resolveService(snap, 4, h, cursors).leaf->name == "c@file");
}

TEST_CASE("resolver: mirroring forwards to main and picks mirrors by percent") {
  runtime::Snapshot snap;
  snap.services.push_back(lb("main@file", {"http://m"}));
  snap.services.push_back(lb("half@file", {"http://h"}));
  snap.services.push_back(lb("all@file", {"http://a"}));
  runtime::CompositeSpec c;
  c.main = 0;
  c.mirrors = {{1, 50}, {2, 100}};
  c.mirror_body = false;
  snap.services.push_back(composite("m@file", runtime::ServiceKind::Mirroring, c));
  TestCursors cursors;
  http::HeaderMap h;
  int half = 0;
  int all = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = proxy::resolveService(snap, 3, h, cursors);
    CHECK(r.leaf->name == "main@file");
    for (const auto& m : r.mirrors) {
      CHECK_FALSE(m.with_body);
      half += m.service == 1 ? 1 : 0;
      all += m.service == 2 ? 1 : 0;
    }
  }
  CHECK(half == 50);
  CHECK(all == 100);
  auto no_mirrors = proxy::resolveService(snap, 3, h, cursors, false);
  CHECK(no_mirrors.mirrors.empty());
}
