// Cross-thread task queue for one libuv loop: any thread posts, the owning loop runs the tasks.
// Thread: post() from any thread; everything else on the owning loop.
// Lifetime: owned by its Worker, which outlives the loop. close() closes the handle; the object
// itself stays valid, so a post() racing with or following shutdown is a harmless no-op.
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

namespace pier::core {

class Mailbox {
 public:
  using Task = std::function<void()>;

  explicit Mailbox(uv_loop_t* loop);
  ~Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Any thread. A no-op once close() has started (the task is dropped).
  void post(Task task);
  // Owning loop only. Pending tasks are dropped; later posts are ignored.
  void close();

 private:
  static void asyncCb(uv_async_t* handle);
  void drain();

  uv_async_t async_{};
  std::mutex mutex_;
  std::vector<Task> tasks_;
  bool closed_ = false;
};

}  // namespace pier::core
