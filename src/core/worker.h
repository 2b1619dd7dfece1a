// Worker: one thread running one libuv loop, fed through a Mailbox.
// Thread: start/post/stop/join from the control thread; loop() only on the worker thread.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/mailbox.h"

namespace pier::core {

class Worker {
 public:
  // `name` is for logs (default "worker <index>").
  explicit Worker(std::size_t index, std::string name = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // `on_start` runs on the worker thread before the loop starts; `on_stop` runs on the worker
  // thread when stop() is requested and must close every handle it owns; `on_exit` runs on the
  // worker thread once its loop has run dry (per-thread library caches).
  void start(std::function<void()> on_start, std::function<void()> on_stop,
             std::function<void()> on_exit = {});
  void post(Mailbox::Task task) { mailbox_->post(std::move(task)); }
  // Asks the worker to run on_stop, close its mailbox, and let its loop run dry.
  void stop();
  void join();

  std::size_t index() const { return index_; }
  uv_loop_t* loop() { return &loop_; }

 private:
  void run();

  std::size_t index_;
  std::string name_;
  uv_loop_t loop_{};
  std::unique_ptr<Mailbox> mailbox_;  // declared after loop_: destroyed before it
  std::thread thread_;
  std::function<void()> on_start_;
  std::function<void()> on_exit_;
  std::function<void()> on_stop_;
};

}  // namespace pier::core
