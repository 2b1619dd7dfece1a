#include "control/throttle.h"

namespace pier::control {

Throttle::Throttle(uv_loop_t* loop, std::chrono::milliseconds window, Emit emit)
    : timer_(new uv_timer_t()), window_(window), emit_(std::move(emit)) {
  uv_timer_init(loop, timer_);
  timer_->data = this;
}

Throttle::~Throttle() {
  close();
}

void Throttle::close() {
  if (timer_ == nullptr) {
    return;
  }
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

void Throttle::push(config::DynamicConfig next) {
  if (timer_ == nullptr) {
    return;
  }
  const std::optional<config::DynamicConfig>& latest = pending_ ? pending_ : last_emitted_;
  if (latest && *latest == next) {
    return;
  }
  if (window_open_) {
    pending_ = std::move(next);  // latest wins
    return;
  }
  emit_(next);
  last_emitted_ = std::move(next);
  if (window_.count() > 0) {
    window_open_ = true;
    uv_timer_start(timer_, &Throttle::timerCb, static_cast<std::uint64_t>(window_.count()), 0);
  }
}

void Throttle::timerCb(uv_timer_t* timer) {
  if (timer->data != nullptr) {
    static_cast<Throttle*>(timer->data)->onWindowEnd();
  }
}

void Throttle::onWindowEnd() {
  window_open_ = false;
  if (pending_) {
    config::DynamicConfig next = std::move(*pending_);
    pending_.reset();
    push(std::move(next));  // emits and opens a new window
  }
}

}  // namespace pier::control
