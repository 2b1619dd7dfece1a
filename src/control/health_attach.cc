#include "control/health_attach.h"

#include <chrono>
#include <unordered_map>

#include "base/strings.h"

namespace pier::control {
namespace {

using std::chrono::milliseconds;

milliseconds positiveOr(config::Duration d, milliseconds fallback) {
  auto ms = std::chrono::duration_cast<milliseconds>(d);
  return ms.count() > 0 ? ms : fallback;
}

bool sameServers(const runtime::ServiceSpec& a, const runtime::ServiceSpec& b) {
  if (a.servers.size() != b.servers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.servers.size(); ++i) {
    if (a.servers[i].url != b.servers[i].url) {
      return false;
    }
  }
  return true;
}

}  // namespace

runtime::HealthCheckSpec compileHealthCheck(
    const config::ServerHealthCheck& hc, const config::HttpServersTransport* transport,
    const config::StaticServersTransport& static_transport) {
  constexpr milliseconds kDefaultInterval{30000};
  constexpr milliseconds kDefaultTimeout{5000};
  runtime::HealthCheckSpec spec;
  spec.path = hc.path;
  spec.scheme = base::toLower(hc.scheme);
  spec.method = hc.method.empty() ? "GET" : hc.method;
  spec.hostname = hc.hostname;
  spec.port = hc.port;
  spec.status = hc.status;
  spec.interval = positiveOr(hc.interval, kDefaultInterval);
  spec.unhealthy_interval =
      hc.unhealthy_interval ? positiveOr(*hc.unhealthy_interval, kDefaultInterval) : spec.interval;
  spec.timeout = positiveOr(hc.timeout, kDefaultTimeout);
  spec.headers.assign(hc.headers.begin(), hc.headers.end());
  spec.follow_redirects = hc.follow_redirects;
  const std::vector<std::string>& roots =
      transport != nullptr ? transport->root_cas : static_transport.root_cas;
  spec.insecure_skip_verify = transport != nullptr ? transport->insecure_skip_verify
                                                   : static_transport.insecure_skip_verify;
  if (!roots.empty()) {
    spec.root_ca = roots.front();
  }
  return spec;
}

void attachServerHealth(runtime::Snapshot& next, const config::DynamicConfig& merged,
                        const config::StaticConfig& static_config,
                        const runtime::Snapshot* previous, std::vector<std::string>& warnings) {
  std::unordered_map<std::string, const runtime::ServiceSpec*> before;
  if (previous != nullptr) {
    for (const runtime::ServiceSpec& s : previous->services) {
      if (s.health != nullptr) {
        before.emplace(s.name, &s);
      }
    }
  }
  for (runtime::ServiceSpec& svc : next.services) {
    if (svc.kind != runtime::ServiceKind::LoadBalancer) {
      continue;
    }
    auto cfg = merged.http.services.find(svc.name);
    if (cfg == merged.http.services.end() || !cfg->second.load_balancer ||
        !cfg->second.load_balancer->health_check) {
      continue;
    }
    const config::HttpLoadBalancer& lb = *cfg->second.load_balancer;
    if (base::toLower(lb.health_check->mode) == "grpc") {
      warnings.push_back("service " + svc.name +
                         ": healthCheck.mode grpc is not supported by Pier; its servers are "
                         "not checked");
      continue;
    }
    const config::HttpServersTransport* transport = nullptr;
    if (auto t = merged.http.servers_transports.find(lb.servers_transport);
        !lb.servers_transport.empty() && t != merged.http.servers_transports.end()) {
      transport = &t->second;
    }
    auto check = std::make_shared<const runtime::HealthCheckSpec>(
        compileHealthCheck(*lb.health_check, transport, static_config.servers_transport));
    auto old = before.find(svc.name);
    if (old != before.end() && sameServers(*old->second, svc) &&
        old->second->health->check != nullptr && *old->second->health->check == *check) {
      svc.health = old->second->health;  // same servers, same probe: keep what we know
      continue;
    }
    svc.health = std::make_shared<runtime::ServerHealth>(svc.servers.size());
    if (old != before.end() && old->second->health->check != nullptr &&
        *old->second->health->check == *check) {
      // Servers were added or removed: the ones still listed keep their state (spec D.3 says
      // Pier SHOULD; Traefik starts every server UP again).
      const runtime::ServiceSpec& prev = *old->second;
      for (std::size_t i = 0; i < svc.servers.size(); ++i) {
        for (std::size_t j = 0; j < prev.servers.size(); ++j) {
          if (prev.servers[j].url == svc.servers[i].url) {
            svc.health->up[i].store(prev.serverUp(j), std::memory_order_relaxed);
            break;
          }
        }
      }
    }
    svc.health->check = std::move(check);
  }
}

}  // namespace pier::control
