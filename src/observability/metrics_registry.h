// Process-wide Prometheus metrics with Traefik's names, types and labels (issue #5):
// per-worker MetricsShards for requests and connections, names interned to ids when a snapshot
// is built (so the data path carries integers, never label strings), configuration reload
// figures, and the exposition rendered on scrape by merging every shard.
// Thread: shard(i) is used by worker i; labelSnapshot/configReloaded on the control thread;
// setCertificate from wherever certificates are loaded; render() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "observability/metrics_shard.h"
#include "runtime/snapshot.h"

namespace pier::observability {

struct PrometheusSettings {
  std::vector<double> buckets = {0.1, 0.3, 1.2, 5.0};
  bool add_entry_points_labels = true;
  bool add_routers_labels = false;
  bool add_services_labels = true;
  std::vector<std::string> entry_point_names;  // index = entry point index of the workers
};

class MetricsRegistry {
 public:
  MetricsRegistry(PrometheusSettings settings, std::size_t workers);

  const PrometheusSettings& settings() const { return settings_; }
  MetricsShard& shard(std::size_t worker) { return *shards_[worker]; }

  // Control thread, while building: gives every load-balancer router and service its series id
  // (internal ones keep kNoSeries: metrics.addInternals is not supported), and lists the servers
  // whose health is checked (traefik_service_server_up; servers gone from it are dropped).
  void labelSnapshot(runtime::Snapshot& snapshot);
  // Control thread: a configuration was applied (traefik_config_reloads_total and
  // traefik_config_last_reload_success, a Unix timestamp in seconds).
  void configReloaded(double unix_seconds);

  // Hook for TLS (traefik_tls_certs_not_after{cn,serial,sans}): replaces the whole set.
  struct Certificate {
    std::string cn, serial, sans;
    double not_after_unix = 0;
  };
  void setCertificates(std::vector<Certificate> certs);

  std::string render() const;

  // Pier extension for the dashboard (GET /api/x-pier/stats): cumulative requests and 5xx
  // answers per router since start, all workers added up (routers of internal services are not
  // counted): {"routers":{"name@provider":{"requests":N,"errors":N},...}}. Any thread.
  std::string routerTotalsJson() const;

 private:
  std::uint32_t routerId(const std::string& router, const std::string& service);
  std::uint32_t serviceId(const std::string& service);

  PrometheusSettings settings_;
  std::vector<std::unique_ptr<MetricsShard>> shards_;
  mutable std::mutex mu_;  // names and certificates; never taken on the request path
  std::vector<std::pair<std::string, std::string>> routers_;  // id -> (router, service)
  std::vector<std::string> services_;                         // id -> service
  std::map<std::pair<std::string, std::string>, std::uint32_t> router_ids_;
  std::unordered_map<std::string, std::uint32_t> service_ids_;
  std::vector<Certificate> certificates_;
  // traefik_service_server_up: one series per checked server of the latest snapshot; the value
  // is read from the health-check flags at render time.
  struct ServerUp {
    std::string service, url;
    std::shared_ptr<const runtime::ServerHealth> health;
    std::size_t index = 0;
  };
  std::vector<ServerUp> server_up_;
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<double> last_reload_success_{0};
};

}  // namespace pier::observability
