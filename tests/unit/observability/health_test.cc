#include <doctest/doctest.h>

#include "observability/health.h"

using pier::observability::Health;

TEST_CASE("live while every worker stamped recently") {
  Health h(2);
  std::int64_t now = Health::nowMs();
  h.heartbeat(0, now);
  h.heartbeat(1, now);
  CHECK(h.liveProblem(now + 1000, 2000).empty());
  h.heartbeat(0, now + 2500);
  std::string why = h.liveProblem(now + 3000, 2000);
  CHECK(why.find("worker 1") != std::string::npos);
  CHECK(why.find("worker 0") == std::string::npos);
}

TEST_CASE("ready once bound and every provider delivered") {
  Health h(1);
  h.expectProvider("file");
  h.expectProvider("docker");
  CHECK(h.readyProblem().find("listeners") != std::string::npos);
  h.setListenersBound();
  CHECK(h.readyProblem().find("docker, file") != std::string::npos);
  h.providerDelivered("file");
  CHECK(h.readyProblem().find("file") == std::string::npos);
  h.providerDelivered("docker");
  CHECK(h.readyProblem().empty());
}
