// The circuit breaker's state machine, shared by every worker through one middleware instance:
//   standby    -> every request goes through; every checkPeriod the expression is evaluated over
//                 the window and, when true, the breaker trips (and the window starts afresh);
//   tripped    -> every request is refused for fallbackDuration;
//   recovering -> a share of requests growing linearly from 0 to 1 over recoveryDuration goes
//                 through (the expression is still checked, so it can trip again), then standby.
// The time is passed in by the caller (tests inject it). Standby costs one atomic load per
// request and relaxed atomic adds per response; the mutex is taken only while tripped or
// recovering, and by the one thread that wins a check.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "middleware/cb_expression.h"
#include "middleware/cb_window.h"

namespace pier::middleware::cb {

class Breaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State : std::uint8_t { Standby, Tripped, Recovering };
  struct Settings {
    Clock::duration check_period = std::chrono::milliseconds(100);
    Clock::duration fallback = std::chrono::seconds(10);
    Clock::duration recovery = std::chrono::seconds(10);
  };

  Breaker(Expression expression, Settings settings);

  // Request path: false when the request must be refused (tripped, or held back while
  // recovering).
  bool allow(Clock::time_point now);
  // The end of an exchange that allow() let through.
  void record(Clock::time_point now, int status, std::chrono::nanoseconds latency);

  State state() const { return state_.load(std::memory_order_acquire); }

 private:
  void check(Clock::time_point now);

  const Expression expression_;
  const Settings settings_;
  Window window_;
  std::atomic<State> state_{State::Standby};
  std::atomic<Clock::rep> next_check_{0};  // time_since_epoch of the next check
  std::mutex mutex_;                       // guards the fields below
  Clock::time_point until_{};              // end of tripped / recovering
  Clock::time_point recovery_start_{};
  std::uint64_t allowed_ = 0;  // recovering: requests let through and held back so far
  std::uint64_t denied_ = 0;
};

}  // namespace pier::middleware::cb
