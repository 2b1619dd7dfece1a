// Active health checks (spec D.3), the probing side: every server of every load-balancer
// service that has a runtime::ServerHealth is probed over HTTP at its interval (its
// unhealthyInterval while down); the result flips the server's atomic flag, which the workers'
// balancers read. Transitions are logged (service, server URL, why) and reported to
// `on_transition` (the API re-renders its serverStatus); traefik_service_server_up reads the
// flags directly (observability/metrics_registry.cc).
//
// Thread: the loop it was created on, which in the server is the health thread's own loop
// (health/health_thread.h), not the control loop. Probes go through our own CurlMulti on that
// loop, so nothing here touches the data path and each curl handle stays on one thread. The
// workers only see the flags (relaxed atomics); this checker is their only writer.
// Lifetime: owned by a HealthThread (or a test); destroying it cancels every probe without
// calling back and closes its timer once.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "providers/curl_multi.h"
#include "runtime/snapshot.h"

namespace pier::health {

class HealthChecker {
 public:
  using OnTransition = std::function<void()>;

  // nullptr (logged) when libcurl cannot be set up; the servers then stay UP.
  static std::unique_ptr<HealthChecker> create(uv_loop_t* loop, OnTransition on_transition);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The services of the generation just published. Servers whose flags object is carried over
  // keep their schedule; new ones are first probed one interval from now (as Traefik); servers
  // no longer listed stop being probed (their probe in flight is cancelled). A server whose
  // flags object was replaced while its service, URL and check stayed (servers were added or
  // removed) takes over its latest state: the builder copied it on another thread, and a probe
  // may have flipped it since.
  void update(const runtime::Snapshot& snapshot);

  std::size_t targetsForTest() const { return targets_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<const runtime::ServerHealth*, std::size_t>;
  struct Target {
    std::string service;
    runtime::ServerSpec server;
    std::shared_ptr<runtime::ServerHealth> health;  // keeps the flags and the settings alive
    std::size_t index = 0;
    Clock::time_point due;
    Clock::time_point started;  // of the latest probe
    providers::CurlMulti::RequestId in_flight = 0;
  };

  HealthChecker(uv_loop_t* loop, std::unique_ptr<providers::CurlMulti> curl,
                OnTransition on_transition);
  void onTimer();
  void startProbe(const Key& key, Target& t);
  void finishProbe(const Key& key, bool healthy, const std::string& why);
  void arm();

  uv_loop_t* loop_;
  std::unique_ptr<providers::CurlMulti> curl_;
  OnTransition on_transition_;
  uv_timer_t* timer_ = nullptr;  // one for all targets: armed for the earliest due probe
  std::map<Key, Target> targets_;
};

}  // namespace pier::health
