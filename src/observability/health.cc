#include "observability/health.h"

#include <chrono>

namespace pier::observability {

std::int64_t Health::nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Health::Health(std::size_t workers) : workers_(workers), beats_(new Beat[workers]) {
  std::int64_t now = nowMs();
  for (std::size_t i = 0; i < workers_; ++i) {
    beats_[i].ms.store(now, std::memory_order_relaxed);
  }
}

std::string Health::liveProblem(std::int64_t now_ms, std::int64_t threshold_ms) const {
  std::string why;
  for (std::size_t i = 0; i < workers_; ++i) {
    std::int64_t age = now_ms - beats_[i].ms.load(std::memory_order_relaxed);
    if (age > threshold_ms) {
      why += (why.empty() ? "" : "; ") + std::string("worker ") + std::to_string(i) +
             " has not run its loop for " + std::to_string(age) + " ms";
    }
  }
  return why;
}

void Health::expectProvider(const std::string& name) {
  std::lock_guard lock(mu_);
  waiting_.insert(name);
}

void Health::providerDelivered(const std::string& name) {
  std::lock_guard lock(mu_);
  waiting_.erase(name);
}

std::string Health::readyProblem() const {
  if (!listeners_bound_.load(std::memory_order_acquire)) {
    return "listeners are not bound yet";
  }
  std::lock_guard lock(mu_);
  if (waiting_.empty()) {
    return {};
  }
  std::string names;
  for (const std::string& n : waiting_) {
    names += (names.empty() ? "" : ", ") + n;
  }
  return "waiting for the first configuration of provider(s): " + names;
}

}  // namespace pier::observability
