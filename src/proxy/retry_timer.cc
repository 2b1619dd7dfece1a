#include "proxy/retry_timer.h"

namespace pier::proxy {

RetryTimer* RetryTimer::start(uv_loop_t* loop, std::chrono::nanoseconds wait,
                              std::function<void()> fire) {
  auto* t = new RetryTimer();
  t->fire_ = std::move(fire);
  uv_timer_init(loop, &t->timer_);
  t->timer_.data = t;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  uv_timer_start(&t->timer_, timerCb, static_cast<std::uint64_t>(ms < 0 ? 0 : ms), 0);
  return t;
}

void RetryTimer::dispose() {
  fire_ = nullptr;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), closedCb);
}

void RetryTimer::timerCb(uv_timer_t* handle) {
  auto* t = static_cast<RetryTimer*>(handle->data);
  if (t->fire_) {
    // The callback may dispose of this timer (through its owner): call a copy.
    std::function<void()> fire = t->fire_;
    fire();
  }
}

void RetryTimer::closedCb(uv_handle_t* handle) {
  delete static_cast<RetryTimer*>(handle->data);
}

}  // namespace pier::proxy
