#include "control/tcp_snapshot_builder.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/strings.h"
#include "control/tls_snapshot_builder.h"

namespace pier::control {

// A TCP server address `host:port` or `[v6]:port` (spec D.6).
Result<runtime::TcpServerSpec> parseTcpAddress(const std::string& address) {
  runtime::TcpServerSpec s;
  s.address = address;
  std::string_view host = address;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    std::size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return fail(Error::config("server address \"" + address + "\": expected [ipv6]:port"));
    }
    host = std::string_view(address).substr(1, close - 1);
    port = std::string_view(address).substr(close + 2);
  } else if (std::size_t colon = address.rfind(':'); colon != std::string::npos) {
    host = std::string_view(address).substr(0, colon);
    port = std::string_view(address).substr(colon + 1);
  }
  long long p = 0;
  if (host.empty() || port.empty() || !base::parseInt64(port, p) || p <= 0 || p > 65535) {
    return fail(Error::config("server address \"" + address + "\": expected host:port"));
  }
  s.host = std::string(host);
  s.port = static_cast<std::uint16_t>(p);
  return s;
}

TcpSnapshotBuilder::TcpSnapshotBuilder(SnapshotBuildContext& ctx,
                                       const config::DynamicConfig& merged)
    : ctx_(ctx),
      merged_(merged),
      middlewares_(merged.tcp.middlewares),
      routes_(ctx.entry_point_names.size()),
      tls_routes_(ctx.entry_point_names.size()) {}

void TcpSnapshotBuilder::build() {
  buildServices();
  buildWeightedServices();
  buildRouters();
}

void TcpSnapshotBuilder::buildServices() {
  for (const auto& [name, svc] : merged_.tcp.services) {
    if (int(svc.load_balancer.has_value()) + int(svc.weighted.has_value()) != 1) {
      ctx_.report.error(ObjectKind::TcpService, name,
                        "a TCP service needs exactly one type (loadBalancer or "
                        "weighted)");
      continue;
    }
    if (!svc.load_balancer) {
      continue;  // weighted: resolved below, once every loadBalancer service exists
    }
    const config::TcpLoadBalancer& lb = *svc.load_balancer;
    runtime::TcpServiceSpec spec;
    spec.name = name;
    config::TcpServersTransport transport;
    const config::StaticTcpServersTransport& defaults = ctx_.static_config.tcp_servers_transport;
    transport.dial_timeout = defaults.dial_timeout;
    transport.dial_keep_alive = defaults.dial_keep_alive;
    transport.termination_delay = defaults.termination_delay;
    if (defaults.tls) {
      transport.tls = config::TcpTransportTls{};
      transport.tls->insecure_skip_verify = defaults.tls->insecure_skip_verify;
      transport.tls->root_cas = defaults.tls->root_cas;
    }
    if (!lb.servers_transport.empty()) {
      auto it = merged_.tcp.servers_transports.find(lb.servers_transport);
      if (it == merged_.tcp.servers_transports.end()) {
        ctx_.report.error(ObjectKind::TcpService, name,
                          "serversTransport \"" + lb.servers_transport + "\" does not exist");
        continue;
      }
      transport = it->second;
    }
    auto ms = [](config::Duration d) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(d);
    };
    spec.dial_timeout = ms(transport.dial_timeout);
    spec.termination_delay = ms(lb.termination_delay.value_or(transport.termination_delay));
    if (lb.proxy_protocol) {
      spec.proxy_protocol_version = lb.proxy_protocol->version;
    } else if (transport.proxy_protocol) {
      spec.proxy_protocol_version = transport.proxy_protocol->version;
    }
    if (spec.proxy_protocol_version != 0 && spec.proxy_protocol_version != 1 &&
        spec.proxy_protocol_version != 2) {
      ctx_.report.error(ObjectKind::TcpService, name,
                        "proxyProtocol.version must be 1 or "
                        "2, not " +
                            std::to_string(spec.proxy_protocol_version));
      continue;
    }
    bool ok = true;
    for (const config::TcpServer& server : lb.servers) {
      if (server.weight <= 0) {
        continue;
      }
      auto parsed = parseTcpAddress(server.address);
      if (!parsed) {
        ctx_.report.error(ObjectKind::TcpService, name, parsed.error().message);
        ok = false;
        break;
      }
      parsed->weight = server.weight;
      parsed->tls = server.tls;
      spec.servers.push_back(std::move(*parsed));
    }
    bool any_tls = std::any_of(spec.servers.begin(), spec.servers.end(),
                               [](const runtime::TcpServerSpec& s) { return s.tls; });
    if (ok && any_tls) {
      tls::ClientTlsSettings settings;
      if (transport.tls) {
        settings = tls::clientSettingsFrom(*transport.tls);
      }
      auto ctx = clientContextFor(settings);
      if (!ctx) {
        ctx_.report.error(ObjectKind::TcpService, name,
                          "TLS to its servers: " + ctx.error().message);
        continue;
      }
      spec.tls = *ctx;
    }
    if (ok) {
      service_index_[name] = static_cast<std::uint32_t>(ctx_.snapshot.tcp_services.size());
      ctx_.snapshot.tcp_services.push_back(std::move(spec));
    }
  }
}

// A weighted TCP service becomes one server list: each child's servers with weights scaled
// so that the child gets its share (weight / total) and its servers keep their own ratios,
// which is what picking a child then a server gives over many connections.
void TcpSnapshotBuilder::buildWeightedServices() {
  for (const auto& [name, svc] : merged_.tcp.services) {
    if (!svc.weighted || svc.load_balancer) {
      continue;
    }
    std::set<std::string> visiting;
    auto flat = flattenWeighted(name, visiting);
    if (!flat) {
      ctx_.report.error(ObjectKind::TcpService, name, flat.error().message);
      continue;
    }
    flat->name = name;
    service_index_[name] = static_cast<std::uint32_t>(ctx_.snapshot.tcp_services.size());
    ctx_.snapshot.tcp_services.push_back(std::move(*flat));
  }
}

Result<runtime::TcpServiceSpec> TcpSnapshotBuilder::flattenWeighted(
    const std::string& name, std::set<std::string>& visiting) {
  if (auto it = service_index_.find(name); it != service_index_.end()) {
    return ctx_.snapshot.tcp_services[it->second];
  }
  auto svc = merged_.tcp.services.find(name);
  if (svc == merged_.tcp.services.end()) {
    return fail(Error::config("service \"" + name + "\" does not exist"));
  }
  if (!svc->second.weighted) {
    return fail(Error::config("service \"" + name + "\" is not usable (see its error)"));
  }
  if (!visiting.insert(name).second) {
    return fail(
        Error::config("weighted services refer to each other in a cycle through \"" + name + "\""));
  }
  runtime::TcpServiceSpec out;
  std::vector<std::pair<runtime::TcpServiceSpec, std::int64_t>> children;
  for (const config::WeightedRef& ref : svc->second.weighted->services) {
    if (ref.weight <= 0) {
      continue;
    }
    auto child = flattenWeighted(ref.name, visiting);
    if (!child) {
      return child;
    }
    children.emplace_back(std::move(*child), ref.weight);
  }
  // Scale: server weight x child weight x (product of the other children's totals).
  std::vector<std::int64_t> totals;
  std::int64_t product = 1;
  for (const auto& [child, weight] : children) {
    std::int64_t total = 0;
    for (const auto& s : child.servers) {
      total += s.weight;
    }
    totals.push_back(std::max<std::int64_t>(total, 1));
    product = std::min<std::int64_t>(product * totals.back(), 1'000'000);
  }
  for (std::size_t i = 0; i < children.size(); ++i) {
    const auto& [child, weight] = children[i];
    if (out.servers.empty()) {
      out.dial_timeout = child.dial_timeout;
      out.termination_delay = child.termination_delay;
      out.proxy_protocol_version = child.proxy_protocol_version;
      out.tls = child.tls;
    }
    for (runtime::TcpServerSpec s : child.servers) {
      s.weight =
          static_cast<int>(std::max<std::int64_t>(1, s.weight * weight * product / totals[i]));
      out.servers.push_back(std::move(s));
    }
  }
  visiting.erase(name);
  return out;
}

void TcpSnapshotBuilder::buildRouters() {
  for (const auto& [name, router] : merged_.tcp.routers) {
    std::vector<middleware::TcpMiddlewarePtr> tcp_middlewares;
    if (!router.middlewares.empty()) {
      auto built = middlewares_.listFor(router.middlewares);
      if (!built) {
        ctx_.report.error(ObjectKind::TcpRouter, name, built.error().message);
        continue;
      }
      tcp_middlewares = std::move(*built);
    }
    auto svc = service_index_.find(router.service);
    if (router.service.empty() || svc == service_index_.end()) {
      ctx_.report.error(ObjectKind::TcpRouter, name,
                        "the TCP service \"" + router.service + "\" does not exist");
      continue;
    }
    auto rule = routing::TcpRule::compile(router.rule);
    if (!rule) {
      ctx_.report.error(ObjectKind::TcpRouter, name, rule.error().message);
      continue;
    }
    if (router.priority > routing::kMaxUserPriority) {
      ctx_.report.error(ObjectKind::TcpRouter, name,
                        "priority " + std::to_string(router.priority) + " is above the maximum " +
                            std::to_string(routing::kMaxUserPriority));
      continue;
    }
    runtime::TcpRouterSpec spec;
    spec.name = name;
    spec.service = svc->second;
    spec.middlewares = std::move(tcp_middlewares);
    if (router.tls) {
      spec.tls = router.tls->passthrough ? runtime::TcpTlsMode::Passthrough
                                         : runtime::TcpTlsMode::Terminate;
      spec.tls_options = router.tls->options.empty() ? "default" : router.tls->options;
      if (spec.tls == runtime::TcpTlsMode::Terminate &&
          !tlsOptionsUsable(*ctx_.snapshot.server_tls, ObjectKind::TcpRouter, name,
                            spec.tls_options, ctx_.report)) {
        continue;
      }
    } else if (!rule->isCatchAll() && !routing::sniDomains(*rule).empty()) {
      // spec C1.15: without TLS there is no SNI, so HostSNI(`name`) could never match.
      ctx_.report.error(ObjectKind::TcpRouter, name,
                        "HostSNI with a domain needs TLS "
                        "(tls=true or tls.passthrough=true); only HostSNI(`*`) works "
                        "without TLS");
      continue;
    }
    auto eps = ctx_.routerEntryPoints(ObjectKind::TcpRouter, name, router.entry_points);
    if (!eps) {
      continue;
    }
    auto target = static_cast<std::uint32_t>(ctx_.snapshot.tcp_routers.size());
    bool tls = spec.tls != runtime::TcpTlsMode::None;
    ctx_.snapshot.tcp_routers.push_back(std::move(spec));
    std::int64_t priority = routing::tcpPriority(router.priority, *rule);
    for (std::size_t ep : *eps) {
      auto& table = tls ? tls_routes_[ep] : routes_[ep];
      table.push_back(routing::TcpRoute{name, priority, providerRank(name), *rule, target});
    }
  }
}

}  // namespace pier::control
