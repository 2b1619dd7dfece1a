// Cross-thread task queue for one libuv loop: any thread posts, the owning loop runs the tasks.
// Thread: post() from any thread; everything else on the owning loop.
// Lifetime: created and closed on the owning loop; the close callback frees it (close-then-delete).
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

namespace pier::core {

class Mailbox {
 public:
  using Task = std::function<void()>;

  // Starts watching on `loop`. The returned object is freed by close().
  static Mailbox* create(uv_loop_t* loop);

  // Any thread. A no-op once close() has started (the task is dropped).
  void post(Task task);
  // Owning loop only. Pending tasks are dropped; memory is freed in the close callback.
  void close();

 private:
  Mailbox() = default;
  static void asyncCb(uv_async_t* handle);
  static void closedCb(uv_handle_t* handle);
  void drain();

  uv_async_t async_{};
  std::mutex mutex_;
  std::vector<Task> tasks_;
  bool closed_ = false;
};

}  // namespace pier::core
