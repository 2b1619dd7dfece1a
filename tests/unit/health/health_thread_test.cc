// The checker on its own thread (health/health_thread.h): probes run and flip the flags while
// the thread that owns the checker (the control loop in the server) runs no loop at all, and
// stopping the thread closes everything.
#include "health/health_thread.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace pier;

namespace {

// A loopback port bound but not listening: connecting to it is refused, and nobody else can
// take it while the socket is open.
struct RefusingPort {
  RefusingPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~RefusingPort() { ::close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

std::shared_ptr<const runtime::Snapshot> checkedSnapshot(std::uint16_t port) {
  auto s = std::make_shared<runtime::Snapshot>();
  runtime::ServiceSpec svc;
  svc.name = "a@file";
  runtime::ServerSpec srv;
  srv.url = "http://127.0.0.1:" + std::to_string(port);
  srv.host = "127.0.0.1";
  srv.port = port;
  svc.servers.push_back(srv);
  svc.health = std::make_shared<runtime::ServerHealth>(1);
  auto check = std::make_shared<runtime::HealthCheckSpec>();
  check->path = "/health";
  check->interval = std::chrono::milliseconds(20);
  check->unhealthy_interval = std::chrono::milliseconds(20);
  check->timeout = std::chrono::seconds(2);
  svc.health->check = check;
  s->services.push_back(svc);
  return s;
}

}  // namespace

TEST_CASE("health thread: probes flip the flags while the owning thread runs no loop") {
  RefusingPort port;
  std::atomic<int> transitions{0};
  std::atomic<bool> on_other_thread{true};
  const std::thread::id self = std::this_thread::get_id();
  auto checker = health::HealthThread::start([&] {
    on_other_thread = on_other_thread && std::this_thread::get_id() != self;
    ++transitions;
  });
  REQUIRE(checker != nullptr);
  auto g1 = checkedSnapshot(port.port);
  checker->update(g1);
  // This thread only sleeps, like a control loop stuck in a slow build; a generous deadline,
  // not a speed assertion.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (g1->services[0].serverUp(0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(g1->services[0].serverUp(0));
  CHECK(transitions.load() >= 1);
  CHECK(on_other_thread.load());
  // A reload that keeps the flags object keeps the server down; the thread then stops with
  // probes still scheduled (ASan/LSan: nothing left behind).
  auto g2 = std::make_shared<runtime::Snapshot>(*g1);
  checker->update(g2);
  g1.reset();
  checker.reset();
  CHECK_FALSE(g2->services[0].serverUp(0));
}

TEST_CASE("health thread: stops cleanly with nothing to check") {
  auto checker = health::HealthThread::start([] {});
  REQUIRE(checker != nullptr);
  checker->update(std::make_shared<runtime::Snapshot>());
  checker.reset();
}
