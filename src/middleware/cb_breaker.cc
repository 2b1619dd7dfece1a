#include "middleware/cb_breaker.h"

namespace pier::middleware::cb {

Breaker::Breaker(Expression expression, Settings settings)
    : expression_(std::move(expression)),
      settings_(settings),
      window_(expression_.codeRanges(), expression_.usesLatency()) {}

bool Breaker::allow(Clock::time_point now) {
  if (state_.load(std::memory_order_acquire) == State::Standby) {
    return true;
  }
  std::lock_guard lock(mutex_);
  switch (state_.load(std::memory_order_relaxed)) {
    case State::Standby:
      return true;
    case State::Tripped:
      if (now < until_) {
        return false;
      }
      state_.store(State::Recovering, std::memory_order_release);
      recovery_start_ = now;
      until_ = now + settings_.recovery;
      allowed_ = denied_ = 0;
      [[fallthrough]];
    case State::Recovering: {
      if (now >= until_) {
        state_.store(State::Standby, std::memory_order_release);
        return true;
      }
      // Let this one through if the share let through would stay within the target, which
      // grows linearly from 0 to 1 over the recovery period.
      double target = std::chrono::duration<double>(now - recovery_start_) /
                      std::chrono::duration<double>(settings_.recovery);
      double share =
          static_cast<double>(allowed_ + 1) / static_cast<double>(allowed_ + denied_ + 1);
      if (share <= target) {
        ++allowed_;
        return true;
      }
      ++denied_;
      return false;
    }
  }
  return true;
}

void Breaker::record(Clock::time_point now, int status, std::chrono::nanoseconds latency) {
  window_.record(now, status, latency);
  check(now);
}

void Breaker::check(Clock::time_point now) {
  Clock::rep due = next_check_.load(std::memory_order_relaxed);
  Clock::rep t = now.time_since_epoch().count();
  if (t < due) {
    return;
  }
  // One thread per period evaluates; the others go on.
  if (!next_check_.compare_exchange_strong(
          due, (now + settings_.check_period).time_since_epoch().count(),
          std::memory_order_relaxed)) {
    return;
  }
  if (state_.load(std::memory_order_acquire) == State::Tripped) {
    return;
  }
  if (!expression_.evaluate(window_.totals(now))) {
    return;
  }
  std::lock_guard lock(mutex_);
  state_.store(State::Tripped, std::memory_order_release);
  until_ = now + settings_.fallback;
  window_.reset();
}

}  // namespace pier::middleware::cb
