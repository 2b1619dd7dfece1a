#include "control/throttle.h"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

using namespace pier;

namespace {

config::DynamicConfig withRouter(const std::string& name) {
  config::DynamicConfig cfg;
  cfg.http.routers[name] = config::HttpRouter{};
  return cfg;
}

void runFor(uv_loop_t* loop, std::uint64_t ms) {
  uv_timer_t stop{};
  uv_timer_init(loop, &stop);
  uv_timer_start(
      &stop, [](uv_timer_t*) {}, ms, 0);
  while (uv_is_active(reinterpret_cast<uv_handle_t*>(&stop))) {
    uv_run(loop, UV_RUN_ONCE);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&stop), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);
}

}  // namespace

TEST_CASE("throttle: first passes at once, a burst collapses to its latest (spec I.1)") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<std::string> seen;
  {
    control::Throttle t(&loop, std::chrono::milliseconds(50), [&](const config::DynamicConfig& c) {
      seen.push_back(c.http.routers.begin()->first);
    });
    t.push(withRouter("a"));
    CHECK(seen == std::vector<std::string>{"a"});  // leading edge: no wait
    t.push(withRouter("b"));
    t.push(withRouter("c"));
    CHECK(seen.size() == 1);
    runFor(&loop, 120);
    CHECK(seen == std::vector<std::string>{"a", "c"});  // trailing edge: only the latest
    runFor(&loop, 80);
    t.push(withRouter("d"));  // the window has closed: passes at once again
    CHECK(seen.back() == "d");
    t.close();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);  // every handle closed (R9)
}

TEST_CASE("throttle: an unchanged configuration neither emits nor opens a window (spec I1.8)") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int emitted = 0;
  {
    control::Throttle t(&loop, std::chrono::milliseconds(50),
                        [&](const config::DynamicConfig&) { ++emitted; });
    t.push(withRouter("a"));
    CHECK(emitted == 1);
    runFor(&loop, 80);        // the window closes
    t.push(withRouter("a"));  // identical: dropped, no window opened
    CHECK(emitted == 1);
    t.push(withRouter("b"));  // a real change right after still applies at once
    CHECK(emitted == 2);
    t.push(withRouter("c"));
    t.push(withRouter("b"));  // back to what was applied: nothing left to do at window end
    runFor(&loop, 80);
    CHECK(emitted == 2);
    t.close();
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
