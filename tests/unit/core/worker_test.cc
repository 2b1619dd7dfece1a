#include "core/worker.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

using pier::core::Worker;

TEST_CASE("worker: tasks posted from other threads all run on the worker, in order per poster") {
  Worker worker(0);
  std::atomic<bool> started{false};
  std::thread::id worker_thread;
  worker.start(
      [&] {
        worker_thread = std::this_thread::get_id();
        started = true;
      },
      [] {});
  while (!started)
    std::this_thread::yield();

  constexpr int kPerPoster = 20000;
  std::atomic<int> ran{0};
  std::atomic<bool> wrong_thread{false};
  std::atomic<bool> out_of_order{false};
  auto poster = [&](int) {
    auto last = std::make_shared<int>(-1);
    for (int i = 0; i < kPerPoster; ++i) {
      worker.post([&, last, i] {
        if (std::this_thread::get_id() != worker_thread)
          wrong_thread = true;
        if (*last != i - 1)
          out_of_order = true;
        *last = i;
        ++ran;
      });
    }
  };
  std::thread a(poster, 0), b(poster, 1);
  a.join();
  b.join();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ran < 2 * kPerPoster && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(ran == 2 * kPerPoster);
  CHECK_FALSE(wrong_thread);
  CHECK_FALSE(out_of_order);
  worker.stop();
  worker.join();  // returns only when the loop ran dry: every handle was closed
}

TEST_CASE("worker: posts after stop are dropped, not crashes") {
  Worker worker(1);
  worker.start([] {}, [] {});
  worker.stop();
  worker.join();
  int ran = 0;
  worker.post([&] { ++ran; });
  CHECK(ran == 0);
}
