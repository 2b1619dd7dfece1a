// A one-shot libuv timer for the retry middleware's back-off wait. The object owns its
// uv_timer_t and is heap-allocated; its single owner (ExchangeRetry, through RetryTimerPtr) ends
// it with dispose(), which stops the timer, closes the handle and frees the object in the close
// callback. The callback never runs after dispose().
// Thread: the owning worker.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>

namespace pier::proxy {

class RetryTimer {
 public:
  static RetryTimer* start(uv_loop_t* loop, std::chrono::nanoseconds wait,
                           std::function<void()> fire);
  void dispose();

  struct Disposer {
    void operator()(RetryTimer* t) const { t->dispose(); }
  };

 private:
  RetryTimer() = default;
  ~RetryTimer() = default;
  static void timerCb(uv_timer_t* handle);
  static void closedCb(uv_handle_t* handle);

  uv_timer_t timer_{};
  std::function<void()> fire_;
};

using RetryTimerPtr = std::unique_ptr<RetryTimer, RetryTimer::Disposer>;

}  // namespace pier::proxy
