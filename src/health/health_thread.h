// Active health checks on a thread of their own (spec D.3): a libuv loop that runs only the
// HealthChecker and its CurlMulti, so a slow file read or snapshot build on the control loop
// never delays a probe, and a burst of probes never delays the control loop.
//
// Thread: start(), update() and the destructor on the control thread; the checker itself lives
// on the health thread (core::Worker: thread + loop + mailbox). Generations cross over through
// the worker's mailbox, as snapshots do to the proxy workers; the balancers keep reading the
// same per-server atomic flags (runtime::ServerHealth), which only the health thread writes.
// Lifetime: owned by the server. Destroying it stops the thread: the checker is destroyed on
// its own loop (every probe cancelled, its timer and curl handles closed), the mailbox closes,
// the loop runs dry and is closed, and the thread is joined.
#pragma once

#include <memory>

#include "core/worker.h"
#include "health/health_checker.h"
#include "runtime/snapshot.h"

namespace pier::health {

class HealthThread {
 public:
  // `on_transition` runs on the health thread after a server's flag flipped.
  // nullptr (logged) when libcurl cannot be set up; the servers then stay UP.
  static std::unique_ptr<HealthThread> start(HealthChecker::OnTransition on_transition);
  ~HealthThread();
  HealthThread(const HealthThread&) = delete;
  HealthThread& operator=(const HealthThread&) = delete;

  // Control thread: the generation just published. Generations are applied in the order they
  // were given (HealthChecker::update on the health thread).
  void update(runtime::SnapshotConstSharedPtr snapshot);

 private:
  HealthThread();

  core::Worker worker_;
  // Set up on the control thread before the thread starts; from then on touched only on the
  // health thread, which destroys it when asked to stop.
  std::unique_ptr<HealthChecker> checker_;
};

}  // namespace pier::health
