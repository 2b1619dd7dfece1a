#include "core/mailbox.h"

#include <cstdlib>

namespace pier::core {

Mailbox::Mailbox(uv_loop_t* loop) {
  async_.data = this;
  if (uv_async_init(loop, &async_, &Mailbox::asyncCb) != 0) {
    std::abort();  // only fails on fd exhaustion at start-up: nothing sensible to degrade to
  }
}

void Mailbox::post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      return;
    }
    tasks_.push_back(std::move(task));
  }
  uv_async_send(&async_);
}

void Mailbox::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      return;
    }
    closed_ = true;
    tasks_.clear();
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void Mailbox::asyncCb(uv_async_t* handle) {
  static_cast<Mailbox*>(handle->data)->drain();
}

// uv_async_send coalesces wake-ups, so run until the queue comes back empty.
void Mailbox::drain() {
  std::vector<Task> batch;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_ || tasks_.empty()) {
        return;
      }
      batch.swap(tasks_);
    }
    for (Task& task : batch) {
      task();
    }
    batch.clear();
  }
}

}  // namespace pier::core
