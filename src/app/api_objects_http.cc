// HTTP routers, services and middlewares for the API (see api_objects.h).
#include "app/api_object_parts.h"

namespace pier::app {
namespace {

using control::ObjectKind;

void addRouters(const ApiInputs& in, ApiSection& out, ApiUsers& service_users,
                ApiUsers& middleware_users) {
  for (const auto& [name, r] : in.merged.http.routers) {
    // Traefik shows the effective priority: the rule's length when none is configured.
    std::int64_t priority = r.priority != 0 ? r.priority : static_cast<std::int64_t>(r.rule.size());
    ordered_json tls = r.tls ? routerTlsJson(ordered_json::object(), *r.tls) : ordered_json();
    out.routers[name] = routerObject(in, name, r, ObjectKind::HttpRouter, priority, std::move(tls),
                                     service_users, middleware_users);
  }
  // Internal routers of the snapshot (ping, metrics, api, redirections).
  for (const runtime::RouterSpec& r : in.built.snapshot->routers) {
    if (providerOf(r.name) != "internal" || out.routers.contains(r.name)) {
      continue;
    }
    const runtime::ServiceSpec& svc = in.built.snapshot->services[r.service];
    ApiObject o;
    o.json["service"] = localRef(svc.name, "internal");
    o.json["status"] = "enabled";
    o.json["name"] = r.name;
    o.json["provider"] = "internal";
    service_users[svc.name].push_back(r.name);
    o.entry = {.name = r.name,
               .status = "enabled",
               .provider = "internal",
               .service = o.json["service"].get<std::string>()};
    out.routers[r.name] = std::move(o);
  }
}

// "UP" or "DOWN" as the active health check last found the server (spec D.3); UP when the
// service is not checked or was not built.
const char* serverStatusOf(const runtime::ServiceSpec* spec, const std::string& url) {
  if (spec != nullptr) {
    for (std::size_t i = 0; i < spec->servers.size(); ++i) {
      if (spec->servers[i].url == url) {
        return spec->serverUp(i) ? "UP" : "DOWN";
      }
    }
  }
  return "UP";
}

ordered_json loadBalancerJson(const config::HttpLoadBalancer& lb, const runtime::ServiceSpec* spec,
                              ordered_json& status) {
  ordered_json servers = ordered_json::array();
  for (const auto& server : lb.servers) {
    ordered_json sj;
    sj["url"] = server.url;
    if (server.weight != 1) {
      sj["weight"] = server.weight;
    }
    servers.push_back(sj);
    status[server.url] = serverStatusOf(spec, server.url);
  }
  ordered_json j = {
      {"servers", servers}, {"strategy", lb.strategy}, {"passHostHeader", lb.pass_host_header}};
  if (!lb.servers_transport.empty()) {
    j["serversTransport"] = lb.servers_transport;
  }
  return j;
}

void addServices(const ApiInputs& in, ApiSection& out, const ApiUsers& users) {
  std::map<std::string, const runtime::ServiceSpec*> built_services;
  for (const runtime::ServiceSpec& svc : in.built.snapshot->services) {
    built_services.emplace(svc.name, &svc);
  }
  for (const auto& [name, s] : in.merged.http.services) {
    ApiObject o;
    ordered_json& j = o.json;
    std::string type;
    ordered_json server_status = ordered_json::object();
    if (s.load_balancer) {
      type = "loadbalancer";
      auto spec = built_services.find(name);
      j["loadBalancer"] = loadBalancerJson(
          *s.load_balancer, spec == built_services.end() ? nullptr : spec->second, server_status);
      o.entry.servers = s.load_balancer->servers.size();
    } else if (s.weighted) {
      type = "weighted";
    } else if (s.mirroring) {
      type = "mirroring";
    } else if (s.failover) {
      type = "failover";
    } else if (s.highest_random_weight) {
      type = "highestrandomweight";
    }
    std::string status = applyStatusAndUsers(in, j, ObjectKind::HttpService, name, users);
    if (!server_status.empty() && status != "disabled") {
      j["serverStatus"] = server_status;
    }
    nameObject(o, name, status, type);
    out.services[name] = std::move(o);
  }
  for (const runtime::ServiceSpec& svc : in.built.snapshot->services) {
    if (providerOf(svc.name) != "internal" || out.services.contains(svc.name)) {
      continue;
    }
    ApiObject o;
    o.json["status"] = "enabled";
    if (auto u = users.find(svc.name); u != users.end()) {
      o.json["usedBy"] = sortedNames(u->second);
    }
    o.json["name"] = svc.name;
    o.json["provider"] = "internal";
    o.entry = {.name = svc.name, .status = "enabled", .provider = "internal"};
    out.services[svc.name] = std::move(o);
  }
}

}  // namespace

ApiSection httpApiObjects(const ApiInputs& in) {
  ApiSection out;
  ApiUsers service_users;
  ApiUsers middleware_users;
  addRouters(in, out, service_users, middleware_users);
  addServices(in, out, service_users);
  addMiddlewareObjects(
      in, in.merged.http.middlewares, ObjectKind::HttpMiddleware, middleware_users,
      [](const auto& m) { return nodeJson(m.options); }, out.middlewares);
  return out;
}

}  // namespace pier::app
