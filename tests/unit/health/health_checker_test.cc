// The checker's bookkeeping without probing anything (intervals far in the future): it follows
// the services of each generation and closes cleanly.
#include "health/health_checker.h"

#include <doctest/doctest.h>

using namespace pier;

namespace {

runtime::Snapshot withChecked(std::size_t servers) {
  runtime::Snapshot s;
  runtime::ServiceSpec svc;
  svc.name = "a@file";
  for (std::size_t i = 0; i < servers; ++i) {
    runtime::ServerSpec srv;
    srv.url = "http://127.0.0.1:" + std::to_string(i + 1);
    srv.host = "127.0.0.1";
    srv.port = static_cast<std::uint16_t>(i + 1);
    svc.servers.push_back(srv);
  }
  svc.health = std::make_shared<runtime::ServerHealth>(servers);
  auto check = std::make_shared<runtime::HealthCheckSpec>();
  check->interval = std::chrono::hours(1);
  svc.health->check = check;
  s.services.push_back(svc);
  runtime::ServiceSpec plain;
  plain.name = "b@file";
  plain.servers.push_back(svc.servers[0]);
  s.services.push_back(plain);
  return s;
}

}  // namespace

TEST_CASE("checker: probes the checked servers of the current generation only") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    auto checker = health::HealthChecker::create(&loop, [] {});
    REQUIRE(checker != nullptr);
    runtime::Snapshot g1 = withChecked(2);
    checker->update(g1);
    CHECK(checker->targetsForTest() == 2);
    runtime::Snapshot g2 = g1;  // same flags object: same targets
    checker->update(g2);
    CHECK(checker->targetsForTest() == 2);
    runtime::Snapshot g3 = withChecked(3);  // new flags: the old targets go
    checker->update(g3);
    CHECK(checker->targetsForTest() == 3);
    checker->update(runtime::Snapshot{});
    CHECK(checker->targetsForTest() == 0);
    checker->update(g3);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // the destroyed checker's handles finish closing
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("checker: a server moved to new flags with the same check takes over its latest state") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    int transitions = 0;
    auto checker = health::HealthChecker::create(&loop, [&transitions] { ++transitions; });
    REQUIRE(checker != nullptr);
    runtime::Snapshot g1 = withChecked(2);
    checker->update(g1);
    // The builder of the next generation (servers added) copied "up" for the kept URLs; a probe
    // on the checker's thread then found the first server down.
    runtime::Snapshot g2 = withChecked(3);
    g2.services[0].health->check = g1.services[0].health->check;
    g1.services[0].health->up[0].store(false);
    checker->update(g2);
    CHECK_FALSE(g2.services[0].serverUp(0));
    CHECK(g2.services[0].serverUp(1));
    CHECK(g2.services[0].serverUp(2));
    CHECK(transitions == 1);  // the API re-renders with the state handed over
    // New check settings: nothing is handed over.
    runtime::Snapshot g3 = withChecked(3);
    auto other = std::make_shared<runtime::HealthCheckSpec>(*g3.services[0].health->check);
    other->path = "/other";
    g3.services[0].health->check = other;
    g2.services[0].health->up[1].store(false);
    checker->update(g3);
    CHECK(g3.services[0].serverUp(0));
    CHECK(g3.services[0].serverUp(1));
    CHECK(transitions == 1);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
