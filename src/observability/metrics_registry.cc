#include "observability/metrics_registry.h"

#include <algorithm>
#include <string_view>

#include "base/strings.h"
#include "observability/prometheus_text.h"

namespace pier::observability {
namespace {

struct Merged {
  std::uint64_t requests = 0;
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;
  std::uint64_t duration_ns = 0;
  std::vector<std::uint64_t> buckets;
};

// Families of one scope, in the order Traefik registers them.
struct ScopeNames {
  const char* requests;
  const char* duration;
  const char* request_bytes;
  const char* response_bytes;
  const char* what;  // for HELP
};

constexpr ScopeNames kEntryPoint{"traefik_entrypoint_requests_total",
                                 "traefik_entrypoint_request_duration_seconds",
                                 "traefik_entrypoint_requests_bytes_total",
                                 "traefik_entrypoint_responses_bytes_total", "an entry point"};
constexpr ScopeNames kRouter{
    "traefik_router_requests_total", "traefik_router_request_duration_seconds",
    "traefik_router_requests_bytes_total", "traefik_router_responses_bytes_total", "a router"};
constexpr ScopeNames kService{
    "traefik_service_requests_total", "traefik_service_request_duration_seconds",
    "traefik_service_requests_bytes_total", "traefik_service_responses_bytes_total", "a service"};

}  // namespace

MetricsRegistry::MetricsRegistry(PrometheusSettings settings, std::size_t workers)
    : settings_(std::move(settings)) {
  std::sort(settings_.buckets.begin(), settings_.buckets.end());
  settings_.buckets.erase(std::unique(settings_.buckets.begin(), settings_.buckets.end()),
                          settings_.buckets.end());
  ScopeSwitches scopes{settings_.add_entry_points_labels, settings_.add_routers_labels,
                       settings_.add_services_labels};
  for (std::size_t i = 0; i < workers; ++i) {
    shards_.push_back(std::make_unique<MetricsShard>(settings_.buckets,
                                                     settings_.entry_point_names.size(), scopes));
  }
}

std::uint32_t MetricsRegistry::routerId(const std::string& router, const std::string& service) {
  auto key = std::make_pair(router, service);
  auto it = router_ids_.find(key);
  if (it != router_ids_.end()) {
    return it->second;
  }
  auto id = static_cast<std::uint32_t>(routers_.size());
  routers_.push_back(key);
  router_ids_.emplace(std::move(key), id);
  return id;
}

std::uint32_t MetricsRegistry::serviceId(const std::string& service) {
  auto it = service_ids_.find(service);
  if (it != service_ids_.end()) {
    return it->second;
  }
  auto id = static_cast<std::uint32_t>(services_.size());
  services_.push_back(service);
  service_ids_.emplace(service, id);
  return id;
}

void MetricsRegistry::labelSnapshot(runtime::Snapshot& snapshot) {
  std::lock_guard lock(mu_);
  for (auto& svc : snapshot.services) {
    svc.metrics_id = svc.kind == runtime::ServiceKind::LoadBalancer ? serviceId(svc.name)
                                                                    : runtime::kNoMetricsId;
  }
  server_up_.clear();
  for (const auto& svc : snapshot.services) {
    for (std::size_t i = 0; svc.health != nullptr && i < svc.servers.size(); ++i) {
      server_up_.push_back(ServerUp{svc.name, svc.servers[i].url, svc.health, i});
    }
  }
  for (auto& r : snapshot.routers) {
    const runtime::ServiceSpec& svc = snapshot.services[r.service];
    r.metrics_id =
        runtime::forwardsToBackends(svc.kind) ? routerId(r.name, svc.name) : runtime::kNoMetricsId;
  }
}

void MetricsRegistry::configReloaded(double unix_seconds) {
  reloads_.fetch_add(1, std::memory_order_relaxed);
  last_reload_success_.store(unix_seconds, std::memory_order_relaxed);
}

void MetricsRegistry::setCertificates(std::vector<Certificate> certs) {
  std::lock_guard lock(mu_);
  certificates_ = std::move(certs);
}

std::string MetricsRegistry::render() const {
  // Merge every worker's series; std::map keeps the output in a stable order.
  std::map<std::uint64_t, Merged> merged;
  std::vector<std::int64_t> open(settings_.entry_point_names.size(), 0);
  for (const auto& shard : shards_) {
    shard->forEachSeries([&](const MetricsShard::SeriesValues& v) {
      Merged& m = merged[v.key.pack()];
      m.requests += v.requests;
      m.request_bytes += v.request_bytes;
      m.response_bytes += v.response_bytes;
      m.duration_ns += v.duration_ns;
      m.buckets.resize(v.buckets.size(), 0);
      for (std::size_t i = 0; i < v.buckets.size(); ++i) {
        m.buckets[i] += v.buckets[i];
      }
    });
    for (std::size_t e = 0; e < open.size(); ++e) {
      open[e] += shard->openConnections(e);
    }
  }

  std::lock_guard lock(mu_);
  PrometheusText out;
  out.family("traefik_config_reloads_total", "Configuration reloads.", "counter");
  out.sample("traefik_config_reloads_total", {}, reloads_.load(std::memory_order_relaxed));
  out.family("traefik_config_last_reload_success",
             "Unix time of the last successful configuration reload.", "gauge");
  out.sample("traefik_config_last_reload_success", {},
             last_reload_success_.load(std::memory_order_relaxed));
  out.family("traefik_tls_certs_not_after", "Certificate expiry as a Unix timestamp.", "gauge");
  for (const Certificate& c : certificates_) {
    out.sample("traefik_tls_certs_not_after",
               {{"cn", c.cn}, {"sans", c.sans}, {"serial", c.serial}}, c.not_after_unix);
  }
  out.family("traefik_open_connections", "Open connections by entry point and protocol.", "gauge");
  for (std::size_t e = 0; e < open.size(); ++e) {
    out.sample("traefik_open_connections",
               {{"entrypoint", settings_.entry_point_names[e]}, {"protocol", "TCP"}}, open[e]);
  }

  auto entityName = [&](Scope scope, std::uint32_t id, std::string_view& a,
                        std::string_view& b) -> bool {
    switch (scope) {
      case Scope::EntryPoint:
        if (id >= settings_.entry_point_names.size())
          return false;
        a = settings_.entry_point_names[id];
        return true;
      case Scope::Router:
        if (id >= routers_.size())
          return false;
        a = routers_[id].first;
        b = routers_[id].second;
        return true;
      case Scope::Service:
      case Scope::Retries:
        if (id >= services_.size())
          return false;
        a = services_[id];
        return true;
    }
    return false;
  };

  // Labels of one request series, sorted by name as client_golang writes them.
  auto labelsOf = [&](const SeriesKey& k, std::string_view a, std::string_view b,
                      const std::string& code) {
    std::vector<Label> l;
    std::string_view method = methodName(k.method);
    std::string_view proto = protocolName(k.protocol);
    switch (k.scope) {
      case Scope::EntryPoint:
        l = {{"code", code}, {"entrypoint", a}, {"method", method}, {"protocol", proto}};
        break;
      case Scope::Router:
        l = {
            {"code", code}, {"method", method}, {"protocol", proto}, {"router", a}, {"service", b}};
        break;
      default:
        l = {{"code", code}, {"method", method}, {"protocol", proto}, {"service", a}};
        break;
    }
    return l;
  };

  auto renderScope = [&](Scope scope, const ScopeNames& names) {
    std::uint64_t lo = static_cast<std::uint64_t>(scope) << 56;
    std::uint64_t hi = (static_cast<std::uint64_t>(scope) + 1) << 56;
    auto begin = merged.lower_bound(lo);
    auto end = merged.lower_bound(hi);
    std::string help_tail =
        std::string(" on ") + names.what + ", by status code, method and protocol.";
    struct Family {
      const char* name;
      const char* help;
      const char* type;
    };
    const Family families[] = {
        {names.requests, "HTTP requests processed", "counter"},
        {names.duration, "Seconds spent processing requests", "histogram"},
        {names.request_bytes, "Bytes of request bodies received", "counter"},
        {names.response_bytes, "Bytes of response bodies sent", "counter"},
    };
    for (const Family& f : families) {
      out.family(f.name, std::string(f.help) + help_tail, f.type);
      std::string bucket_name = std::string(f.name) + "_bucket";
      std::string sum_name = std::string(f.name) + "_sum";
      std::string count_name = std::string(f.name) + "_count";
      for (auto it = begin; it != end; ++it) {
        SeriesKey k = SeriesKey::unpack(it->first);
        std::string_view a, b;
        if (!entityName(scope, k.entity, a, b)) {
          continue;
        }
        std::string code = std::to_string(k.code);
        std::vector<Label> labels = labelsOf(k, a, b, code);
        const Merged& m = it->second;
        if (f.name == names.requests) {
          out.sample(f.name, labels, m.requests);
        } else if (f.name == names.request_bytes) {
          out.sample(f.name, labels, m.request_bytes);
        } else if (f.name == names.response_bytes) {
          out.sample(f.name, labels, m.response_bytes);
        } else {
          // A scrape may see a request counted before its bucket: clamp so that buckets stay
          // cumulative and never exceed the count (+Inf).
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i < settings_.buckets.size(); ++i) {
            cumulative += i < m.buckets.size() ? m.buckets[i] : 0;
            std::string le = PrometheusText::formatDouble(settings_.buckets[i]);
            std::vector<Label> with_le = labels;
            with_le.emplace_back("le", le);
            out.sample(bucket_name, with_le, std::min(cumulative, m.requests));
          }
          std::vector<Label> with_inf = labels;
          with_inf.emplace_back("le", "+Inf");
          out.sample(bucket_name, with_inf, m.requests);
          out.sample(sum_name, labels, static_cast<double>(m.duration_ns) / 1e9);
          out.sample(count_name, labels, m.requests);
        }
      }
    }
  };

  if (settings_.add_entry_points_labels) {
    renderScope(Scope::EntryPoint, kEntryPoint);
  }
  if (settings_.add_routers_labels) {
    renderScope(Scope::Router, kRouter);
  }
  if (settings_.add_services_labels) {
    renderScope(Scope::Service, kService);
    out.family("traefik_service_retries_total", "Request retries on a service.", "counter");
    std::uint64_t lo = static_cast<std::uint64_t>(Scope::Retries) << 56;
    for (auto it = merged.lower_bound(lo); it != merged.end(); ++it) {
      SeriesKey k = SeriesKey::unpack(it->first);
      std::string_view a, b;
      if (k.scope == Scope::Retries && entityName(k.scope, k.entity, a, b)) {
        out.sample("traefik_service_retries_total", {{"service", a}}, it->second.requests);
      }
    }
    // Active health checks (spec D.3): the flags the balancers read, as they are now.
    out.family("traefik_service_server_up", "Whether a server of a service is up (0 or 1).",
               "gauge");
    for (const ServerUp& s : server_up_) {
      bool up = s.index >= s.health->count || s.health->up[s.index].load(std::memory_order_relaxed);
      out.sample("traefik_service_server_up", {{"service", s.service}, {"url", s.url}},
                 static_cast<std::int64_t>(up ? 1 : 0));
    }
  }
  return out.take();
}

std::string MetricsRegistry::routerTotalsJson() const {
  struct Totals {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
  };
  std::unordered_map<std::uint32_t, Totals> by_id;
  for (const auto& shard : shards_) {
    shard->forEachRouterTotal([&](std::uint32_t id, std::uint64_t requests, std::uint64_t errors) {
      Totals& t = by_id[id];
      t.requests += requests;
      t.errors += errors;
    });
  }
  // A router id names (router, service): add up the ids of one router name.
  std::map<std::string_view, Totals> by_name;
  std::lock_guard lock(mu_);
  for (const auto& [id, t] : by_id) {
    if (id < routers_.size()) {
      Totals& n = by_name[routers_[id].first];
      n.requests += t.requests;
      n.errors += std::min(t.errors, t.requests);
    }
  }
  std::string out = "{\"routers\":{";
  bool first = true;
  for (const auto& [name, t] : by_name) {
    if (!first) {
      out += ',';
    }
    first = false;
    base::appendJsonString(out, name);
    out += ":{\"requests\":" + std::to_string(t.requests) +
           ",\"errors\":" + std::to_string(t.errors) + "}";
  }
  out += "}}";
  return out;
}

}  // namespace pier::observability
