// TCP and UDP routers, services and middlewares for the API (see api_objects.h).
#include "app/api_object_parts.h"
#include "routing/tcp_matchers.h"

namespace pier::app {
namespace {

using control::ObjectKind;

// Traefik's effective TCP priority: the configured one, else -1 for the HostSNI(`*`)
// catch-all, else the rule's length (also when the rule does not parse).
std::int64_t effectiveTcpPriority(const config::TcpRouter& r) {
  if (r.priority != 0) {
    return r.priority;
  }
  auto rule = routing::TcpRule::compile(r.rule);
  return rule ? routing::tcpPriority(0, *rule) : static_cast<std::int64_t>(r.rule.size());
}

void addTcpRouters(const ApiInputs& in, ApiSection& out, ApiUsers& service_users,
                   ApiUsers& middleware_users) {
  for (const auto& [name, r] : in.merged.tcp.routers) {
    ordered_json tls;
    if (r.tls) {
      tls["passthrough"] = r.tls->passthrough;
      tls = routerTlsJson(std::move(tls), *r.tls);
    }
    out.routers[name] = routerObject(in, name, r, ObjectKind::TcpRouter, effectiveTcpPriority(r),
                                     std::move(tls), service_users, middleware_users);
  }
}

ordered_json tcpLoadBalancerJson(const config::TcpLoadBalancer& lb, ordered_json& status) {
  ordered_json servers = ordered_json::array();
  for (const config::TcpServer& s : lb.servers) {
    ordered_json sj;
    sj["address"] = s.address;
    if (s.tls) {
      sj["tls"] = true;
    }
    if (s.weight != 1) {
      sj["weight"] = s.weight;
    }
    servers.push_back(sj);
    status[s.address] = "UP";
  }
  ordered_json j;
  j["servers"] = servers;
  if (!lb.servers_transport.empty()) {
    j["serversTransport"] = lb.servers_transport;
  }
  if (lb.proxy_protocol) {
    j["proxyProtocol"] = {{"version", lb.proxy_protocol->version}};
  }
  if (lb.termination_delay) {
    j["terminationDelay"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(*lb.termination_delay).count();
  }
  return j;
}

ordered_json weightedJson(const config::TcpWeightedService& w, const std::string& provider) {
  ordered_json services = ordered_json::array();
  for (const config::WeightedRef& ref : w.services) {
    services.push_back({{"name", localRef(ref.name, provider)}, {"weight", ref.weight}});
  }
  return {{"services", services}};
}

void addTcpServices(const ApiInputs& in, ApiSection& out, const ApiUsers& users) {
  for (const auto& [name, s] : in.merged.tcp.services) {
    ApiObject o;
    ordered_json& j = o.json;
    std::string type;
    ordered_json server_status = ordered_json::object();
    if (s.load_balancer) {
      type = "loadbalancer";
      j["loadBalancer"] = tcpLoadBalancerJson(*s.load_balancer, server_status);
      o.entry.servers = s.load_balancer->servers.size();
    }
    if (s.weighted) {
      type = s.load_balancer ? "" : "weighted";
      j["weighted"] = weightedJson(*s.weighted, providerOf(name));
    }
    std::string status = applyStatusAndUsers(in, j, ObjectKind::TcpService, name, users);
    nameObject(o, name, status, type);
    if (!server_status.empty() && status != "disabled") {
      j["serverStatus"] = server_status;
    }
    out.services[name] = std::move(o);
  }
}

}  // namespace

ApiSection tcpApiObjects(const ApiInputs& in) {
  ApiSection out;
  ApiUsers service_users;
  ApiUsers middleware_users;
  addTcpRouters(in, out, service_users, middleware_users);
  addTcpServices(in, out, service_users);
  addMiddlewareObjects(
      in, in.merged.tcp.middlewares, ObjectKind::TcpMiddleware, middleware_users,
      [](const auto&) { return ordered_json::object(); }, out.middlewares);
  return out;
}

// UDP objects are shown as configured; Pier does not forward UDP, so the build reports each
// one disabled (control/udp_objects.h).
ApiSection udpApiObjects(const ApiInputs& in) {
  ApiSection out;
  ApiUsers users;
  for (const auto& [name, r] : in.merged.udp.routers) {
    std::string provider = providerOf(name);
    ApiObject o;
    ordered_json& j = o.json;
    j["entryPoints"] = r.entry_points;
    j["service"] = localRef(r.service, provider);
    std::string status = in.problems.apply(j, ObjectKind::UdpRouter, name);
    if (status != "disabled") {
      j["using"] = r.entry_points;
    }
    j["name"] = name;
    j["provider"] = provider;
    users[r.service].push_back(name);
    o.entry.name = name;
    o.entry.status = status;
    o.entry.provider = provider;
    o.entry.service = j["service"].get<std::string>();
    o.entry.entry_points = r.entry_points.size();
    out.routers[name] = std::move(o);
  }
  for (const auto& [name, s] : in.merged.udp.services) {
    ApiObject o;
    ordered_json& j = o.json;
    std::string type;
    if (s.load_balancer) {
      type = "loadbalancer";
      ordered_json servers = ordered_json::array();
      for (const config::UdpServer& server : s.load_balancer->servers) {
        servers.push_back({{"address", server.address}});
      }
      j["loadBalancer"] = {{"servers", servers}};
      o.entry.servers = s.load_balancer->servers.size();
    } else if (s.weighted) {
      type = "weighted";
      j["weighted"] = weightedJson(*s.weighted, providerOf(name));
    }
    std::string status = applyStatusAndUsers(in, j, ObjectKind::UdpService, name, users);
    nameObject(o, name, status, type);
    out.services[name] = std::move(o);
  }
  return out;
}

}  // namespace pier::app
