// Coalesces the writes a connection makes during one loop iteration into one uv_write: a
// response head and its body, or several pipelined responses, leave in one syscall.
// A per-worker uv_check_t runs after the poll phase (after every I/O callback of the iteration)
// and flushes the connections that queued bytes. Connections closed during the iteration are
// still allocated then (close callbacks run after the check phase), and are skipped.
// Thread: owning worker. Lifetime: owned by WorkerContext; close() at shutdown.
#pragma once

#include <uv.h>

#include <vector>

namespace pier::proxy {

class TcpConnection;

class WriteBatcher {
 public:
  explicit WriteBatcher(uv_loop_t* loop);
  ~WriteBatcher();
  WriteBatcher(const WriteBatcher&) = delete;
  WriteBatcher& operator=(const WriteBatcher&) = delete;

  // `conn` will have flushQueued() called at the end of this loop iteration.
  void schedule(TcpConnection* conn);
  void close();

 private:
  static void checkCb(uv_check_t* check);
  void flushAll();

  uv_check_t* check_;  // freed in its close callback
  std::vector<TcpConnection*> queued_;
  std::vector<TcpConnection*> flushing_;
  bool active_ = false;
};

}  // namespace pier::proxy
