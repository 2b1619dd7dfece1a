// HTTP routers, services and middlewares for the API (see api_objects.h).
#include <algorithm>
#include <cctype>

#include "app/api_objects.h"
#include "base/strings.h"

namespace pier::app {
namespace {

using control::ObjectKind;

// A middleware's options as JSON; values stay strings (the configuration is untyped until a
// middleware decodes it).
ordered_json nodeJson(const config::Node& n) {
  switch (n.kind()) {
    case config::Node::Kind::Map: {
      ordered_json j = ordered_json::object();
      for (const auto& [key, child] : n.children()) {
        j[key] = nodeJson(child);
      }
      return j;
    }
    case config::Node::Kind::List: {
      ordered_json j = ordered_json::array();
      for (const config::Node& item : n.items()) {
        j.push_back(nodeJson(item));
      }
      return j;
    }
    case config::Node::Kind::Scalar:
      return n.value();
    case config::Node::Kind::Null:
      break;
  }
  return ordered_json::object();
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

void addRouters(const ApiInputs& in, ApiSection& out,
                std::map<std::string, std::vector<std::string>>& service_users,
                std::map<std::string, std::vector<std::string>>& middleware_users) {
  for (const auto& [name, r] : in.merged.http.routers) {
    std::string provider = providerOf(name);
    ApiObject o;
    ordered_json& j = o.json;
    j["entryPoints"] = r.entry_points.empty() ? in.default_entry_points : r.entry_points;
    if (!r.middlewares.empty()) {
      std::vector<std::string> mws;
      for (const auto& m : r.middlewares) {
        mws.push_back(localRef(m, provider));
        middleware_users[m].push_back(name);
      }
      j["middlewares"] = mws;
      o.entry.middlewares = mws;
    }
    j["service"] = localRef(r.service, provider);
    j["rule"] = r.rule;
    if (!r.rule_syntax.empty()) {
      j["ruleSyntax"] = r.rule_syntax;
    }
    // Traefik shows the effective priority: the rule's length when none is configured.
    std::int64_t priority = r.priority != 0 ? r.priority : static_cast<std::int64_t>(r.rule.size());
    if (priority != 0) {
      j["priority"] = priority;
    }
    if (r.tls) {
      ordered_json tls = ordered_json::object();
      if (!r.tls->options.empty()) {
        tls["options"] = r.tls->options;
      }
      if (!r.tls->cert_resolver.empty()) {
        tls["certResolver"] = r.tls->cert_resolver;
      }
      j["tls"] = tls;
    }
    std::string status = in.problems.apply(j, ObjectKind::HttpRouter, name);
    if (status != "disabled") {
      j["using"] = j["entryPoints"];
    }
    j["name"] = name;
    j["provider"] = provider;
    j["priorityStr"] = std::to_string(priority);
    service_users[r.service].push_back(name);
    o.entry.name = name;
    o.entry.status = status;
    o.entry.provider = provider;
    o.entry.rule = r.rule;
    o.entry.service = j["service"].get<std::string>();
    o.entry.priority = priority;
    o.entry.entry_points = j["entryPoints"].size();
    out.routers[name] = std::move(o);
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

void addServices(const ApiInputs& in, ApiSection& out,
                 const std::map<std::string, std::vector<std::string>>& users) {
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
    std::string status = in.problems.apply(j, ObjectKind::HttpService, name);
    if (auto u = users.find(name); u != users.end()) {
      j["usedBy"] = sorted(u->second);
    }
    if (!server_status.empty() && status != "disabled") {
      j["serverStatus"] = server_status;
    }
    j["name"] = name;
    j["provider"] = providerOf(name);
    if (!type.empty()) {
      j["type"] = type;
    }
    o.entry.name = name;
    o.entry.status = status;
    o.entry.provider = providerOf(name);
    o.entry.type = type;
    out.services[name] = std::move(o);
  }
  for (const runtime::ServiceSpec& svc : in.built.snapshot->services) {
    if (providerOf(svc.name) != "internal" || out.services.contains(svc.name)) {
      continue;
    }
    ApiObject o;
    o.json["status"] = "enabled";
    if (auto u = users.find(svc.name); u != users.end()) {
      o.json["usedBy"] = sorted(u->second);
    }
    o.json["name"] = svc.name;
    o.json["provider"] = "internal";
    o.entry = {.name = svc.name, .status = "enabled", .provider = "internal"};
    out.services[svc.name] = std::move(o);
  }
}

void addMiddlewares(const ApiInputs& in, ApiSection& out,
                    const std::map<std::string, std::vector<std::string>>& users) {
  for (const auto& [name, m] : in.merged.http.middlewares) {
    ApiObject o;
    ordered_json& j = o.json;
    j[m.type] = nodeJson(m.options);
    std::string status = in.problems.apply(j, ObjectKind::HttpMiddleware, name);
    if (auto u = users.find(name); u != users.end()) {
      j["usedBy"] = sorted(u->second);
    }
    j["name"] = name;
    j["provider"] = providerOf(name);
    j["type"] = base::toLower(m.type);
    o.entry = {.name = name,
               .status = status,
               .provider = providerOf(name),
               .type = base::toLower(m.type)};
    out.middlewares[name] = std::move(o);
  }
}

}  // namespace

ApiSection httpApiObjects(const ApiInputs& in) {
  ApiSection out;
  std::map<std::string, std::vector<std::string>> service_users;
  std::map<std::string, std::vector<std::string>> middleware_users;
  addRouters(in, out, service_users, middleware_users);
  addServices(in, out, service_users);
  addMiddlewares(in, out, middleware_users);
  return out;
}

}  // namespace pier::app
