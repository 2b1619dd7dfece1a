// A worker's listening socket for one entry point. Each worker has its own socket on the same
// address (SO_REUSEPORT), so the kernel spreads connections across workers.
// Thread: owning worker. Lifetime: deleted in its close callback.
#pragma once

#include <uv.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "proxy/entrypoint_settings.h"

namespace pier::proxy {

class WorkerContext;

// Sockets bound by the control thread before workers start, so a busy port fails start-up
// with a clear error instead of failing inside a worker.
struct BoundSockets {
  std::string entry_point;
  std::vector<int> fds;  // one per worker
  int port = 0;          // the port actually bound (useful with :0)
};

// Binds `count` sockets with SO_REUSEPORT on `host:port` ("" host = all interfaces, v4 and v6).
Result<BoundSockets> bindReusePort(const std::string& entry_point, const std::string& host,
                                   int port, std::size_t count);

class Listener {
 public:
  // Adopts `fd` and starts listening on the worker's loop.
  static Result<Listener*> start(WorkerContext& ctx, int fd, const EntryPointSettings& ep);
  void close();

 private:
  Listener(WorkerContext& ctx, const EntryPointSettings& ep) : ctx_(ctx), ep_(ep) {}
  static void connectionCb(uv_stream_t* server, int status);
  static void closedCb(uv_handle_t* handle);

  uv_tcp_t tcp_{};
  WorkerContext& ctx_;
  const EntryPointSettings& ep_;
  bool closing_ = false;
};

}  // namespace pier::proxy
