// Per-worker mutable state: the installed snapshot, balancer cursors, idle upstream connections,
// the connections to visit on timeouts and shutdown. Everything here belongs to one loop (T1, T5).
#pragma once

#include <uv.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/balancer.h"
#include "proxy/entrypoint_settings.h"
#include "proxy/intrusive_list.h"
#include "proxy/service_resolver.h"
#include "proxy/write_batcher.h"
#include "runtime/snapshot.h"

namespace pier::observability {
class Health;
class MetricsRegistry;
class MetricsShard;
class AccessLog;
class AccessLogShard;
class ApiDocuments;
}  // namespace pier::observability

namespace pier::proxy {

class ClientConnection;
class UpstreamConnection;
class Listener;

// Shared by all workers and the control thread; only atomics.
struct ProcessState {
  std::atomic<bool> draining{false};  // SIGTERM received: ping answers the terminating code
  std::atomic<bool> accepting{true};  // false once listeners are closed
  int terminating_status = 503;
  std::string hostname;  // X-Forwarded-Server
  // Operations (issue #5); owned by app, alive for the whole run. Null when disabled.
  observability::Health* health = nullptr;
  observability::MetricsRegistry* metrics = nullptr;
  observability::AccessLog* access_log = nullptr;
  observability::ApiDocuments* api = nullptr;
  bool test_hooks = false;  // PIER_TEST_HOOKS=1: test-only request hooks (docs/configuration.md)
};

class WorkerContext {
 public:
  using Clock = std::chrono::steady_clock;

  WorkerContext(uv_loop_t* loop, std::size_t index, const std::vector<EntryPointSettings>& eps,
                ProcessState& process);
  ~WorkerContext();

  uv_loop_t* loop() const { return loop_; }
  std::size_t index() const { return index_; }
  const std::vector<EntryPointSettings>& entryPoints() const { return entry_points_; }
  ProcessState& process() { return process_; }
  WriteBatcher& batcher() { return batcher_; }
  // This worker's metrics shard and access-log buffer; null when disabled.
  observability::MetricsShard* metrics() { return metrics_; }
  observability::AccessLogShard* accessLog() { return access_log_; }
  // AccessLogShard::keepsRequestHeaders(), kept beside the pointer: asked at every request's
  // start, when the shard itself is not in cache.
  bool accessLogKeepsHeaders() const { return access_log_keeps_headers_; }

  // Worker loop only: installs a new generation (in-flight requests keep the one they pinned).
  void install(runtime::SnapshotConstSharedPtr snapshot);
  const runtime::SnapshotConstSharedPtr& snapshot() const { return snapshot_; }
  // Balancer state for service `index` of the current snapshot.
  Balancer& balancer(std::size_t service_index) { return balancers_[service_index]; }
  Balancer& tcpBalancer(std::size_t tcp_service_index) { return tcp_balancers_[tcp_service_index]; }
  // Rotation state of weighted and mirroring service `index` (proxy/service_resolver.h).
  CompositeCursor& compositeCursor(std::size_t service_index) {
    return composite_cursors_.at(service_index);
  }

  // Idle upstream connections by pool key ("host:port").
  UpstreamConnection* takeIdle(const std::string& key);
  void putIdle(UpstreamConnection* conn, std::uint32_t max_idle);
  void forgetIdle(UpstreamConnection* conn);

  void addClient(ClientConnection* c);
  void removeClient(ClientConnection* c);
  void addUpstream(UpstreamConnection* c);
  void removeUpstream(UpstreamConnection* c);
  void addListener(Listener* l) { listeners_.push_back(l); }

  // Starts the periodic deadline sweep. Closed by shutdown().
  void startSweep();
  // Graceful stop, step 1: close listeners; idle keep-alive connections are closed.
  void stopAccepting();
  // Graceful stop, last step: close everything still open (connections, timer) so the loop ends.
  void closeAll();
  // Graceful stop: graceTimeOut of entry point `ep_index` expired; its connections close now.
  void closeClientsOf(std::size_t ep_index);
  std::size_t activeClients() const { return clients_.size(); }
  // Any thread: open client connections (tunnels included), for the shutdown drain.
  std::size_t activeClientsShared() const {
    return active_clients_.load(std::memory_order_relaxed);
  }

 private:
  static void sweepCb(uv_timer_t* timer);
  void sweep();

  uv_loop_t* loop_;
  std::size_t index_;
  const std::vector<EntryPointSettings>& entry_points_;
  ProcessState& process_;
  WriteBatcher batcher_;
  runtime::SnapshotConstSharedPtr snapshot_;
  std::vector<Balancer> balancers_;
  std::vector<Balancer> tcp_balancers_;
  CompositeCursors composite_cursors_;
  std::unordered_map<std::string, std::vector<UpstreamConnection*>> idle_;
  IntrusiveList<ClientConnection> clients_;
  IntrusiveList<UpstreamConnection> upstreams_;
  std::vector<Listener*> listeners_;
  uv_timer_t* sweep_timer_ = nullptr;
  std::atomic<std::size_t> active_clients_{0};
  observability::MetricsShard* metrics_ = nullptr;
  observability::AccessLogShard* access_log_ = nullptr;
  bool access_log_keeps_headers_ = false;
};

}  // namespace pier::proxy
