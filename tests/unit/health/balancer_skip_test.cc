// Balancing with health flags (spec D.1/D.3): down servers are skipped, the smooth weighted
// rotation continues among the up ones, and none up means no pick (503 upstream of this).
#include <doctest/doctest.h>

#include <map>

#include "proxy/balancer.h"

using namespace pier;

namespace {

runtime::ServiceSpec service(std::vector<int> weights) {
  runtime::ServiceSpec s;
  s.name = "s@file";
  for (std::size_t i = 0; i < weights.size(); ++i) {
    runtime::ServerSpec srv;
    srv.url = "http://10.0.0." + std::to_string(i + 1) + ":80";
    srv.weight = weights[i];
    s.servers.push_back(srv);
  }
  s.health = std::make_shared<runtime::ServerHealth>(weights.size());
  return s;
}

}  // namespace

TEST_CASE("balancer: a down server gets no traffic; the others keep their weights") {
  auto s = service({3, 1, 1});
  proxy::Balancer b;
  s.health->up[0].store(false);
  std::map<int, int> hits;
  std::string order;
  for (int i = 0; i < 100; ++i) {
    int p = b.pick(s);
    ++hits[p];
    order += static_cast<char>('a' + p);
  }
  CHECK(hits[0] == 0);
  CHECK(hits[1] == 50);
  CHECK(hits[2] == 50);
  CHECK(order.find("bb") == std::string::npos);  // still interleaved
  CHECK(order.find("cc") == std::string::npos);

  s.health->up[0].store(true);
  hits.clear();
  for (int i = 0; i < 500; ++i) {
    ++hits[b.pick(s)];
  }
  CHECK(hits[0] == doctest::Approx(300).epsilon(0.02));
  CHECK(hits[1] == doctest::Approx(100).epsilon(0.05));
  CHECK(hits[2] == doctest::Approx(100).epsilon(0.05));
}

TEST_CASE("balancer: no server up -> no pick; unchecked services are always up") {
  auto s = service({1, 1});
  proxy::Balancer b;
  s.health->up[0].store(false);
  s.health->up[1].store(false);
  CHECK(b.pick(s) == -1);
  CHECK_FALSE(s.anyServerUp());
  s.health->up[1].store(true);
  CHECK(b.pick(s) == 1);
  CHECK(b.pick(s) == 1);
  s.health = nullptr;
  CHECK(b.pick(s) >= 0);
}
