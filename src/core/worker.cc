#include "core/worker.h"

#include <cstdio>
#include <cstdlib>

#include "base/log.h"

namespace pier::core {

Worker::Worker(std::size_t index, std::string name)
    : index_(index), name_(name.empty() ? "worker " + std::to_string(index) : std::move(name)) {
  if (uv_loop_init(&loop_) != 0) {
    std::abort();
  }
  mailbox_ = std::make_unique<Mailbox>(&loop_);
}

Worker::~Worker() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::start(std::function<void()> on_start, std::function<void()> on_stop,
                   std::function<void()> on_exit) {
  on_start_ = std::move(on_start);
  on_stop_ = std::move(on_stop);
  on_exit_ = std::move(on_exit);
  thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
  post([this] {
    if (on_stop_) {
      on_stop_();
    }
    mailbox_->close();
  });
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::run() {
  if (on_start_) {
    on_start_();
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  // R9: every handle must be closed by now; a busy loop here is a leak worth shouting about.
  if (uv_loop_close(&loop_) != 0) {
    log::error(name_ + ": loop closed with handles still open");
  }
  if (on_exit_) {
    on_exit_();
  }
}

}  // namespace pier::core
