#include "proxy/worker_context.h"

#include <algorithm>

#include "observability/access_log.h"
#include "observability/health.h"
#include "observability/metrics_registry.h"
#include "proxy/client_connection.h"
#include "proxy/listener.h"
#include "proxy/upstream_connection.h"

namespace pier::proxy {
namespace {

// Timeouts are checked by one sweep per worker rather than a timer per connection (R4): I/O
// timeouts are seconds long, so 100 ms of slack is invisible and the cost is one timer.
constexpr std::uint64_t kSweepIntervalMs = 100;

}  // namespace

WorkerContext::WorkerContext(uv_loop_t* loop, std::size_t index,
                             const std::vector<EntryPointSettings>& eps, ProcessState& process)
    : loop_(loop), index_(index), entry_points_(eps), process_(process), batcher_(loop) {
  if (process.metrics != nullptr) {
    metrics_ = &process.metrics->shard(index);
  }
  if (process.access_log != nullptr) {
    access_log_ = &process.access_log->shard(index);
    access_log_keeps_headers_ = access_log_->keepsRequestHeaders();
  }
}

WorkerContext::~WorkerContext() = default;

void WorkerContext::install(runtime::SnapshotConstSharedPtr snapshot) {
  // Balancer cursors follow services by name so a reload does not restart every rotation.
  std::unordered_map<std::string, Balancer> by_name;
  if (snapshot_) {
    for (std::size_t i = 0; i < snapshot_->services.size() && i < balancers_.size(); ++i) {
      by_name.emplace(snapshot_->services[i].name, std::move(balancers_[i]));
    }
  }
  balancers_.clear();
  balancers_.resize(snapshot->services.size());
  for (std::size_t i = 0; i < snapshot->services.size(); ++i) {
    auto it = by_name.find(snapshot->services[i].name);
    if (it != by_name.end()) {
      balancers_[i] = std::move(it->second);
    }
    balancers_[i].reconcile(snapshot->services[i]);
  }
  std::unordered_map<std::string, Balancer> tcp_by_name;
  if (snapshot_) {
    for (std::size_t i = 0; i < snapshot_->tcp_services.size() && i < tcp_balancers_.size(); ++i) {
      tcp_by_name.emplace(snapshot_->tcp_services[i].name, std::move(tcp_balancers_[i]));
    }
  }
  tcp_balancers_.clear();
  tcp_balancers_.resize(snapshot->tcp_services.size());
  for (std::size_t i = 0; i < snapshot->tcp_services.size(); ++i) {
    auto it = tcp_by_name.find(snapshot->tcp_services[i].name);
    if (it != tcp_by_name.end()) {
      tcp_balancers_[i] = std::move(it->second);
    }
    tcp_balancers_[i].reconcile(snapshot->tcp_services[i]);
  }
  composite_cursors_.install(snapshot_.get(), *snapshot);
  snapshot_ = std::move(snapshot);
}

UpstreamConnection* WorkerContext::takeIdle(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) {
    return nullptr;
  }
  UpstreamConnection* conn = it->second.back();  // most recently used: most likely alive
  it->second.pop_back();
  return conn;
}

void WorkerContext::putIdle(UpstreamConnection* conn, std::uint32_t max_idle) {
  auto& list = idle_[conn->poolKey()];
  std::uint32_t limit = max_idle == 0 ? 200 : max_idle;
  if (list.size() >= limit) {
    conn->close();
    return;
  }
  list.push_back(conn);
}

void WorkerContext::forgetIdle(UpstreamConnection* conn) {
  auto it = idle_.find(conn->poolKey());
  if (it == idle_.end()) {
    return;
  }
  auto& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), conn), list.end());
  if (list.empty()) {
    idle_.erase(it);
  }
}

void WorkerContext::addClient(ClientConnection* c) {
  if (metrics_ != nullptr) {
    metrics_->connectionOpened(c->entryPointIndex());
  }
  clients_.pushBack(c);
  active_clients_.store(clients_.size(), std::memory_order_relaxed);
}
void WorkerContext::removeClient(ClientConnection* c) {
  if (metrics_ != nullptr) {
    metrics_->connectionClosed(c->entryPointIndex());
  }
  clients_.remove(c);
  active_clients_.store(clients_.size(), std::memory_order_relaxed);
}
void WorkerContext::addUpstream(UpstreamConnection* c) {
  upstreams_.pushBack(c);
}
void WorkerContext::removeUpstream(UpstreamConnection* c) {
  upstreams_.remove(c);
}

void WorkerContext::startSweep() {
  sweep_timer_ = new uv_timer_t();
  uv_timer_init(loop_, sweep_timer_);
  sweep_timer_->data = this;
  uv_timer_start(sweep_timer_, &WorkerContext::sweepCb, kSweepIntervalMs, kSweepIntervalMs);
}

void WorkerContext::sweepCb(uv_timer_t* timer) {
  static_cast<WorkerContext*>(timer->data)->sweep();
}

void WorkerContext::sweep() {
  auto now = std::chrono::steady_clock::now();
  if (process_.health != nullptr) {
    // Liveness (/live): this loop still turns.
    process_.health->heartbeat(index_, observability::Health::nowMs());
  }
  if (access_log_ != nullptr) {
    access_log_->flush();  // lines leave the worker within one sweep
    access_log_->syncWallClock();
  }
  clients_.forEachSafe([&](ClientConnection* c) { c->checkDeadlines(now); });
  upstreams_.forEachSafe([&](UpstreamConnection* u) {
    u->checkDeadlines(now);
    // Idle pooled connections expire after the transport's idleConnTimeout (90 s default).
    if (!u->isClosing() && u->idleSince() != UpstreamConnection::Clock::time_point{} &&
        now - u->idleSince() > std::chrono::seconds(90)) {
      auto it = idle_.find(u->poolKey());
      if (it != idle_.end() &&
          std::find(it->second.begin(), it->second.end(), u) != it->second.end()) {
        u->close();
      }
    }
  });
}

void WorkerContext::stopAccepting() {
  for (Listener* l : listeners_) {
    l->close();
  }
  listeners_.clear();
  clients_.forEachSafe([](ClientConnection* c) { c->drain(); });
}

void WorkerContext::closeClientsOf(std::size_t ep_index) {
  clients_.forEachSafe([&](ClientConnection* c) {
    if (c->entryPointIndex() == ep_index) {
      c->close();
    }
  });
}

void WorkerContext::closeAll() {
  stopAccepting();
  clients_.forEachSafe([](ClientConnection* c) { c->close(); });
  upstreams_.forEachSafe([](UpstreamConnection* u) { u->close(); });
  idle_.clear();
  batcher_.close();
  if (access_log_ != nullptr) {
    access_log_->flush();
  }
  if (sweep_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(sweep_timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    sweep_timer_ = nullptr;
  }
}

}  // namespace pier::proxy
