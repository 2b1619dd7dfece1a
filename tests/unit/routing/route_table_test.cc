#include "routing/route_table.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "test_request.h"

namespace pier::routing {
namespace {

using test::Req;

struct Spec {
  const char* name;
  const char* rule;
  std::int64_t configured_priority = 0;
  int rank = 0;
};

HttpRouteTable table(const std::vector<Spec>& specs) {
  std::vector<HttpRoute> routes;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Result<HttpRule> rule = HttpRule::compile(specs[i].rule);
    REQUIRE_MESSAGE(rule, (rule ? std::string() : rule.error().message));
    std::int64_t prio = httpPriority(specs[i].configured_priority, *rule);
    routes.push_back(HttpRoute{specs[i].name, prio, specs[i].rank, std::move(*rule),
                               static_cast<std::uint32_t>(i)});
  }
  return HttpRouteTable::build(std::move(routes));
}

std::string route(const HttpRouteTable& t, const Req& req) {
  http::HeaderMap storage;
  http::RequestView v = req.view(storage);
  const HttpRoute* r = t.match(v);
  CHECK(r == t.matchLinear(v));
  return r == nullptr ? "404" : r->name;
}

Req at(const char* host, const char* path) {
  Req r;
  r.host = host;
  r.path = path;
  return r;
}

TEST_CASE("route table: spec C1.1 longer rule wins") {
  HttpRouteTable t =
      table({{"a@file", "Host(`x.com`)"}, {"b@file", "Host(`x.com`) && PathPrefix(`/api`)"}});
  CHECK(route(t, at("x.com", "/api/1")) == "b@file");
  CHECK(route(t, at("x.com", "/")) == "a@file");
  CHECK(route(t, at("y.com", "/")) == "404");
}

TEST_CASE("route table: spec C1.2 HostRegexp vs Host by priority") {
  HttpRouteTable t = table({{"re@file", "HostRegexp(`[a-z]+\\.example\\.com`)"},
                            {"host@file", "Host(`foo.example.com`)"}});
  CHECK(t.routes()[0].priority == 34);
  CHECK(t.routes()[1].priority == 23);
  CHECK(route(t, at("foo.example.com", "/")) == "re@file");
  HttpRouteTable t2 = table({{"re@file", "HostRegexp(`[a-z]+\\.example\\.com`)"},
                             {"host@file", "Host(`foo.example.com`)", 100}});
  CHECK(route(t2, at("foo.example.com", "/")) == "host@file");
}

TEST_CASE("route table: spec C1.16 provider precedence, then name") {
  // Same length rules: docker (rank 0) beats file (rank 1) regardless of names.
  HttpRouteTable t =
      table({{"a@file", "Host(`x.com`)", 0, 1}, {"z@docker", "Host(`x.com`)", 0, 0}});
  CHECK(route(t, at("x.com", "/")) == "z@docker");
  HttpRouteTable same =
      table({{"b@file", "Host(`x.com`)", 0, 1}, {"a@file", "Host(`x.com`)", 0, 1}});
  CHECK(route(same, at("x.com", "/")) == "a@file");
  REQUIRE(same.ties().size() == 1);
  CHECK(same.ties()[0].names == std::vector<std::string>{"a@file", "b@file"});
  CHECK(same.ties()[0].priority == 13);
  CHECK(t.ties().empty());  // precedence decides: not a tie
}

TEST_CASE("route table: evaluation order") {
  HttpRouteTable t = table({{"low@file", "PathPrefix(`/`)", -5},
                            {"c@file", "Host(`c.com`)", 7},
                            {"b@docker", "Host(`b.com`)", 7, 0},
                            {"b@file", "Host(`b.com`)", 7, 1},
                            {"top@internal", "PathPrefix(`/`)", kMaxPriority}});
  std::vector<std::string> names;
  for (const HttpRoute& r : t.routes())
    names.push_back(r.name);
  CHECK(names ==
        std::vector<std::string>{"top@internal", "b@docker", "c@file", "b@file", "low@file"});
  CHECK(t.routes()[0].target == 4);
}

TEST_CASE("route table: ties only for overlapping hosts") {
  HttpRouteTable t = table({
      {"a@file", "Host(`a.com`)"},   // 13 bytes each
      {"b@file", "Host(`b.com`)"},   // different host: no tie
      {"w@file", "Host(`*.x.co`)"},  // 14 bytes
      {"y@file", "Host(`y.x.co`)"},  // 14: y.x.co is under *.x.co: tie
      {"p@file", "Path(`/aaaaa`)"},  // 14: no host: ties with everything of 14
      {"q@file", "Host(`q.com`)", 20},
  });
  REQUIRE(t.ties().size() == 1);
  CHECK(t.ties()[0].priority == 14);
  CHECK(t.ties()[0].names == std::vector<std::string>{"p@file", "w@file", "y@file"});
  HttpRouteTable t2 = table({{"w@file", "Host(`*.x.co`)"}, {"y@file", "Host(`y.x.co`)"}});
  REQUIRE(t2.ties().size() == 1);
  CHECK(t2.ties()[0].names.size() == 2);
  HttpRouteTable t3 = table({{"a@file", "Host(`a.com`)"}, {"b@file", "Host(`b.com`)"}});
  CHECK(t3.ties().empty());
}

TEST_CASE("route table: index placement") {
  HttpRouteTable t = table({
      {"a", "Host(`a.com`) && PathPrefix(`/x`)", 10},
      {"ab", "Host(`a.com`) || Host(`b.com`)", 9},
      {"w", "Host(`*.w.com`)", 8},
      {"g2", "!Host(`a.com`)", 7},
      {"g1", "PathPrefix(`/`)", 6},
      {"g3", "Host(`*`)", 5},
  });
  CHECK(t.index().exactKeyCount() == 2);
  CHECK(t.index().suffixKeyCount() == 1);
  CHECK(t.index().genericCount() == 3);
  CHECK(route(t, at("a.com", "/x")) == "a");
  CHECK(route(t, at("b.com", "/")) == "ab");
  CHECK(route(t, at("q.w.com", "/")) == "w");
  CHECK(route(t, at("A.com.", "/")) == "ab");  // trailing dot, case
  CHECK(route(t, at("c.com", "/")) == "g2");
  CHECK(route(t, at("", "/")) == "g2");
  HttpRouteTable empty = HttpRouteTable::build({});
  CHECK(route(empty, at("a.com", "/")) == "404");
}

TEST_CASE("route table: TCP") {
  std::vector<TcpRoute> routes;
  const char* rules[] = {"HostSNI(`*`)", "HostSNI(`db.example.com`)", "HostSNI(`*.example.com`)",
                         "ClientIP(`10.0.0.0/8`)"};
  for (std::uint32_t i = 0; i < 4; ++i) {
    Result<TcpRule> r = TcpRule::compile(rules[i]);
    REQUIRE(r);
    std::int64_t p = tcpPriority(0, *r);
    routes.push_back(TcpRoute{"t" + std::to_string(i), p, 0, std::move(*r), i});
  }
  TcpRouteTable t = TcpRouteTable::build(std::move(routes));
  CHECK(t.routes().back().name == "t0");  // catch-all last (priority -1)
  auto pick = [&](const char* sni, const char* ip) {
    TcpRequestView v{sni, nullptr, *base::IpAddress::parse(ip)};
    const TcpRoute* r = t.match(v);
    CHECK(r == t.matchLinear(v));
    return r == nullptr ? std::string("none") : r->name;
  };
  CHECK(pick("db.example.com", "1.1.1.1") == "t1");
  CHECK(pick("x.example.com", "1.1.1.1") == "t2");
  CHECK(pick("", "10.1.1.1") == "t3");
  CHECK(pick("", "1.1.1.1") == "t0");
}

// --- randomized equivalence: indexed match == linear scan in priority order -----------------

std::string randomHttpExpr(std::mt19937& rng, int depth) {
  static const char* atoms[] = {
      "Host(`a.com`)",          "Host(`b.com`)",    "Host(`x.a.com`)",   "Host(`y.a.com`)",
      "Host(`A.COM.`)",         "Host(`*.a.com`)",  "Host(`*.x.a.com`)", "Host(`*`)",
      "PathPrefix(`/`)",        "PathPrefix(`/x`)", "Path(`/x`)",        "Method(`GET`)",
      "Method(`POST`)",         "HostRegexp(`^x`)", "Header(`K`, `1`)",  "Query(`q`)",
      "ClientIP(`10.0.0.0/8`)",
  };
  std::uniform_int_distribution<int> pick(0, depth <= 0 ? 0 : 5);
  switch (pick(rng)) {
    case 1:
      return "!" + randomHttpExpr(rng, depth - 1);
    case 2:
      return "(" + randomHttpExpr(rng, depth - 1) + " && " + randomHttpExpr(rng, depth - 1) + ")";
    case 3:
      return "(" + randomHttpExpr(rng, depth - 1) + " || " + randomHttpExpr(rng, depth - 1) + ")";
    case 4:
      return randomHttpExpr(rng, depth - 1) + " && " + randomHttpExpr(rng, depth - 1);
    default: {
      std::uniform_int_distribution<std::size_t> a(0, std::size(atoms) - 1);
      return atoms[a(rng)];
    }
  }
}

TEST_CASE("route table: randomized equivalence with a linear scan (HTTP)") {
  std::mt19937 rng(12345);
  const char* hosts[] = {"a.com", "b.com", "x.a.com", "y.a.com", "z.x.a.com", "c.com",
                         "",      "A.com", "a.com.",  "x",       ".a.com"};
  const char* paths[] = {"/", "/x", "/xy", "/y"};
  std::size_t compared = 0;
  std::size_t matched = 0;
  for (int round = 0; round < 300; ++round) {
    std::uniform_int_distribution<int> count(1, 40);
    std::uniform_int_distribution<int> prio(-2, 4);
    std::uniform_int_distribution<int> rank(0, 2);
    std::vector<HttpRoute> routes;
    int n = count(rng);
    for (int i = 0; i < n; ++i) {
      std::string text = randomHttpExpr(rng, 3);
      Result<HttpRule> rule = HttpRule::compile(text);
      REQUIRE_MESSAGE(rule, text);
      int p = prio(rng);
      routes.push_back(HttpRoute{"r" + std::to_string(i), httpPriority(p * 10, *rule), rank(rng),
                                 std::move(*rule), static_cast<std::uint32_t>(i)});
    }
    HttpRouteTable t = HttpRouteTable::build(std::move(routes));
    for (int q = 0; q < 200; ++q) {
      Req req;
      req.host = hosts[std::uniform_int_distribution<std::size_t>(0, std::size(hosts) - 1)(rng)];
      req.path = paths[std::uniform_int_distribution<std::size_t>(0, std::size(paths) - 1)(rng)];
      req.method = rng() % 2 ? "GET" : "POST";
      if (rng() % 2)
        req.headers = {{"k", "1"}};
      if (rng() % 2)
        req.query = "q";
      req.client_ip = rng() % 2 ? "10.1.2.3" : "192.168.0.1";
      http::HeaderMap storage;
      http::RequestView v = req.view(storage);
      const HttpRoute* fast = t.match(v);
      const HttpRoute* slow = t.matchLinear(v);
      CHECK(fast == slow);
      ++compared;
      matched += slow != nullptr ? 1 : 0;
    }
  }
  CHECK(compared == 60000);
  CHECK(matched > compared / 4);  // the generator exercises both outcomes
  CHECK(matched < compared);
}

TEST_CASE("route table: randomized equivalence with a linear scan (TCP)") {
  std::mt19937 rng(777);
  const char* atoms[] = {"HostSNI(`a.com`)",   "HostSNI(`b.com`)", "HostSNI(`*.a.com`)",
                         "HostSNI(`*`)",       "ALPN(`h2`)",       "ClientIP(`10.0.0.0/8`)",
                         "HostSNIRegexp(`^b`)"};
  const char* snis[] = {"a.com", "b.com", "x.a.com", "y.x.a.com", "", "c.com"};
  std::vector<std::string> alpn{"h2"};
  for (int round = 0; round < 200; ++round) {
    std::vector<TcpRoute> routes;
    int n = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      std::string text = atoms[rng() % std::size(atoms)];
      switch (rng() % 4) {
        case 0:
          text = "!" + text;
          break;
        case 1:
          text += std::string(" && ") + atoms[rng() % std::size(atoms)];
          break;
        case 2:
          text += std::string(" || ") + atoms[rng() % std::size(atoms)];
          break;
        default:
          break;
      }
      Result<TcpRule> rule = TcpRule::compile(text);
      REQUIRE_MESSAGE(rule, text);
      routes.push_back(TcpRoute{"t" + std::to_string(i), tcpPriority(0, *rule),
                                static_cast<int>(rng() % 2), std::move(*rule),
                                static_cast<std::uint32_t>(i)});
    }
    TcpRouteTable t = TcpRouteTable::build(std::move(routes));
    for (int q = 0; q < 100; ++q) {
      TcpRequestView v{snis[rng() % std::size(snis)], rng() % 2 ? &alpn : nullptr,
                       *base::IpAddress::parse(rng() % 2 ? "10.0.0.1" : "1.2.3.4")};
      CHECK(t.match(v) == t.matchLinear(v));
    }
  }
}

}  // namespace
}  // namespace pier::routing
