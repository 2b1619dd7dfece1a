// Per-provider throttle (spec I.1 step 2): the first configuration passes at once; then, for
// `window`, newer ones replace each other and only the latest is forwarded when the window ends.
// Leading edge plus trailing edge, not a pure debounce: a quiet change applies immediately, a
// burst costs at most two applications per window.
// Thread: control loop. Lifetime: owned by the aggregator; close() before destruction.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <optional>

#include "config/dynamic_model.h"

namespace pier::control {

class Throttle {
 public:
  using Emit = std::function<void(const config::DynamicConfig&)>;

  Throttle(uv_loop_t* loop, std::chrono::milliseconds window, Emit emit);
  ~Throttle();
  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;

  // A configuration equal to the latest one seen (emitted or pending) is dropped here, so it
  // neither reloads nor opens a throttle window that would delay the next real change.
  void push(config::DynamicConfig next);
  void close();

 private:
  static void timerCb(uv_timer_t* timer);
  void onWindowEnd();

  uv_timer_t* timer_;  // freed in its close callback
  std::chrono::milliseconds window_;
  Emit emit_;
  std::optional<config::DynamicConfig> pending_;
  std::optional<config::DynamicConfig> last_emitted_;
  bool window_open_ = false;
};

}  // namespace pier::control
