#include "health/health_thread.h"

#include <utility>

namespace pier::health {

HealthThread::HealthThread() : worker_(0, "health checker") {}

std::unique_ptr<HealthThread> HealthThread::start(HealthChecker::OnTransition on_transition) {
  std::unique_ptr<HealthThread> self(new HealthThread());
  // The checker's handles are initialised on the worker's loop before its thread runs it
  // (thread creation orders these writes before anything the thread does).
  self->checker_ = HealthChecker::create(self->worker_.loop(), std::move(on_transition));
  bool ok = self->checker_ != nullptr;
  // `self` outlives the thread (the destructor joins it), so on_stop may use it (T4).
  HealthThread* raw = self.get();
  self->worker_.start({}, [raw] { raw->checker_.reset(); });
  if (!ok) {
    return nullptr;  // stops the idle thread again, so its loop still closes cleanly
  }
  return self;
}

HealthThread::~HealthThread() {
  worker_.stop();
  worker_.join();
}

void HealthThread::update(runtime::SnapshotConstSharedPtr snapshot) {
  // `this` outlives the thread (see the destructor), so the task may capture it (T4). The
  // snapshot may be released on the health thread: runtime::Snapshot allows that (T3).
  worker_.post([this, snapshot = std::move(snapshot)] {
    if (checker_ != nullptr) {
      checker_->update(*snapshot);
    }
  });
}

}  // namespace pier::health
