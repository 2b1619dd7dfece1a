#include "control/snapshot_builder.h"

#include <map>
#include <optional>
#include <unordered_map>

#include "base/strings.h"
#include "middleware/registry.h"
#include "routing/route_table.h"

namespace pier::control {
namespace {

using routing::HttpRoute;
using runtime::ServiceSpec;

// Provider precedence for equal priorities (spec A.6): docker before file.
int providerRank(const std::string& qualified) {
  static const char* const kOrder[] = {"kubernetesgateway",
                                       "kubernetescrd",
                                       "kubernetes",
                                       "kubernetesingressnginx",
                                       "swarm",
                                       "docker",
                                       "file",
                                       "internal"};
  std::size_t at = qualified.rfind('@');
  std::string provider = at == std::string::npos ? "" : qualified.substr(at + 1);
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (provider == kOrder[i]) {
      return i;
    }
  }
  return static_cast<int>(std::size(kOrder));
}

runtime::TransportSpec transportFrom(const config::StaticServersTransport& st) {
  runtime::TransportSpec t;
  auto ms = [](config::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
  };
  t.dial_timeout = ms(st.forwarding_timeouts.dial_timeout);
  t.response_header_timeout = ms(st.forwarding_timeouts.response_header_timeout);
  t.idle_conn_timeout = ms(st.forwarding_timeouts.idle_conn_timeout);
  t.max_idle_conns_per_host = static_cast<std::uint32_t>(st.max_idle_conns_per_host);
  return t;
}

// Parses `http://host:port/path` (spec D.1). h2c is accepted as cleartext HTTP/1.1 until the
// HTTP/2 upstream arrives.
Result<runtime::ServerSpec> parseServerUrl(const std::string& url, int weight, bool preserve_path) {
  runtime::ServerSpec s;
  s.url = url;
  s.weight = weight;
  std::string_view rest = url;
  std::size_t scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos) {
    return fail(Error::config("server url \"" + url + "\": expected scheme://host[:port]"));
  }
  std::string scheme = base::toLower(rest.substr(0, scheme_end));
  if (scheme == "https") {
    s.https = true;
  } else if (scheme != "http" && scheme != "h2c") {
    return fail(Error::config("server url \"" + url + "\": unsupported scheme \"" + scheme +
                              "\" (expected http, https or h2c)"));
  }
  rest.remove_prefix(scheme_end + 3);
  std::size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos && preserve_path) {
    s.base_path = std::string(rest.substr(path_at));
  }
  if (authority.empty()) {
    return fail(Error::config("server url \"" + url + "\": missing host"));
  }
  s.authority = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(Error::config("server url \"" + url + "\": unbalanced '[' in host"));
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  s.host = std::string(host);
  s.port = s.https ? 443 : 80;
  if (!port.empty()) {
    long long p = 0;
    if (!base::parseInt64(port, p) || p <= 0 || p > 65535) {
      return fail(
          Error::config("server url \"" + url + "\": invalid port \"" + std::string(port) + "\""));
    }
    s.port = static_cast<std::uint16_t>(p);
  }
  return s;
}

class Builder {
 public:
  Builder(const config::StaticConfig& st, const std::vector<std::string>& eps,
          std::uint64_t generation, const std::set<std::string>& default_rule_routers)
      : static_(st),
        entry_point_names_(eps),
        default_rule_routers_(default_rule_routers),
        snapshot_(std::make_shared<runtime::Snapshot>()) {
    snapshot_->generation = generation;
    routes_.resize(eps.size());
  }

  BuildResult run(const config::DynamicConfig& merged) {
    middlewares_.emplace(merged.http.middlewares);
    buildServices(merged);
    buildRouters(merged);
    addInternalRouters();
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      runtime::EntryPointRoutes ep;
      ep.name = entry_point_names_[i];
      ep.http = routing::HttpRouteTable::build(std::move(routes_[i]));
      for (const routing::RouteTie& tie : ep.http.ties()) {
        std::string names;
        for (const std::string& n : tie.names) {
          names += (names.empty() ? "" : ", ") + n;
        }
        report_.warnings.push_back("entry point " + ep.name + ": routers " + names +
                                   " have the same priority " + std::to_string(tie.priority) +
                                   "; they are tried in name order");
      }
      snapshot_->entry_points.push_back(std::move(ep));
    }
    return BuildResult{snapshot_, std::move(report_)};
  }

 private:
  void buildServices(const config::DynamicConfig& merged) {
    for (const auto& [name, svc] : merged.http.services) {
      int types = int(svc.load_balancer.has_value()) + int(svc.weighted.has_value()) +
                  int(svc.mirroring.has_value()) + int(svc.failover.has_value()) +
                  int(svc.highest_random_weight.has_value());
      if (types != 1) {
        report_.errors.push_back("service " + name +
                                 ": a service needs exactly one type (loadBalancer, weighted, "
                                 "mirroring, failover or highestRandomWeight), found " +
                                 std::to_string(types));
        continue;
      }
      if (!svc.load_balancer) {
        report_.errors.push_back("service " + name +
                                 ": only loadBalancer services are supported so far");
        continue;
      }
      ServiceSpec spec;
      spec.name = name;
      spec.kind = runtime::ServiceKind::LoadBalancer;
      spec.pass_host_header = svc.load_balancer->pass_host_header;
      spec.transport = transportFrom(static_.servers_transport);
      bool ok = true;
      for (const auto& server : svc.load_balancer->servers) {
        int weight = server.weight;
        if (weight <= 0) {
          continue;  // spec D.1: weight <= 0 takes the server out
        }
        auto parsed = parseServerUrl(server.url, weight, server.preserve_path);
        if (!parsed) {
          report_.errors.push_back("service " + name + ": " + parsed.error().message);
          ok = false;
          break;
        }
        spec.servers.push_back(std::move(*parsed));
      }
      if (ok) {
        service_index_[name] = static_cast<std::uint32_t>(snapshot_->services.size());
        snapshot_->services.push_back(std::move(spec));
      }
    }
  }

  std::vector<std::size_t> defaultEntryPoints() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      const auto& ep = static_.entry_points.at(entry_point_names_[i]);
      if (ep.as_default) {
        out.push_back(i);
      }
    }
    if (!out.empty()) {
      return out;
    }
    // spec A.6: every TCP entry point except the one named `traefik`.
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      const auto& ep = static_.entry_points.at(entry_point_names_[i]);
      if (entry_point_names_[i] != "traefik" &&
          ep.address.protocol == config::ListenAddress::Protocol::Tcp) {
        out.push_back(i);
      }
    }
    return out;
  }

  void buildRouters(const config::DynamicConfig& merged) {
    for (const auto& [name, router] : merged.http.routers) {
      if (router.tls) {
        // TLS routers answer only on the HTTPS table (spec C.4), which the TLS issue adds.
        report_.errors.push_back("router " + name +
                                 ": TLS routers are not supported yet (see docs/differences.md)");
        continue;
      }
      middleware::ChainPtr chain;
      if (!router.middlewares.empty()) {
        // Each middleware is built once (MiddlewareSet caches); a broken one disables only the
        // routers that use it, each saying why (spec I.2).
        auto built = middlewares_->chainFor(router.middlewares);
        if (!built) {
          report_.errors.push_back("router " + name + ": " + built.error().message);
          continue;
        }
        chain = std::move(*built);
      }
      auto svc = service_index_.find(router.service);
      if (router.service.empty() || svc == service_index_.end()) {
        report_.errors.push_back("router " + name + ": the service \"" + router.service +
                                 "\" does not exist");
        continue;
      }
      auto rule = routing::HttpRule::compile(router.rule);
      if (!rule) {
        report_.errors.push_back("router " + name + ": " + rule.error().message);
        continue;
      }
      if (router.priority > routing::kMaxUserPriority) {
        report_.errors.push_back("router " + name + ": priority " +
                                 std::to_string(router.priority) + " is above the maximum " +
                                 std::to_string(routing::kMaxUserPriority));
        continue;
      }
      std::vector<std::size_t> eps;
      if (router.entry_points.empty()) {
        eps = defaultEntryPoints();
      } else {
        bool ok = true;
        for (const std::string& ep_name : router.entry_points) {
          std::size_t idx = entryPointIndex(ep_name);
          if (idx == entry_point_names_.size()) {
            report_.errors.push_back("router " + name + ": entry point \"" + ep_name +
                                     "\" does not exist");
            ok = false;
            break;
          }
          eps.push_back(idx);
        }
        if (!ok) {
          continue;
        }
      }
      runtime::RouterSpec spec;
      spec.name = name;
      spec.service = svc->second;
      spec.chain = std::move(chain);
      if (default_rule_routers_.count(name) != 0) {
        spec.from_default_rule = true;
        spec.loop_guard_value = loopGuardValue(name);
      }
      auto target = static_cast<std::uint32_t>(snapshot_->routers.size());
      snapshot_->routers.push_back(spec);
      std::int64_t priority = routing::httpPriority(router.priority, *rule);
      for (std::size_t ep : eps) {
        routes_[ep].push_back(HttpRoute{name, priority, providerRank(name), *rule, target});
      }
    }
  }

  std::size_t entryPointIndex(const std::string& name) const {
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      if (entry_point_names_[i] == name) {
        return i;
      }
    }
    return entry_point_names_.size();
  }

  std::uint32_t addInternalService(ServiceSpec spec) {
    auto idx = static_cast<std::uint32_t>(snapshot_->services.size());
    snapshot_->services.push_back(std::move(spec));
    return idx;
  }

  void addInternalRoute(std::size_t ep, const std::string& name, const std::string& rule_text,
                        std::int64_t priority, std::uint32_t service) {
    auto rule = routing::HttpRule::compile(rule_text);
    if (!rule) {
      report_.errors.push_back("router " + name + ": " + rule.error().message);
      return;
    }
    runtime::RouterSpec spec;
    spec.name = name;
    spec.service = service;
    auto target = static_cast<std::uint32_t>(snapshot_->routers.size());
    snapshot_->routers.push_back(spec);
    routes_[ep].push_back(HttpRoute{name, priority, providerRank(name), *rule, target});
  }

  void addInternalRouters() {
    if (static_.ping && !static_.ping->manual_routing) {
      std::size_t ep = entryPointIndex(static_.ping->entry_point);
      if (ep < entry_point_names_.size()) {
        ServiceSpec ping;
        ping.name = "ping@internal";
        ping.kind = runtime::ServiceKind::Ping;
        addInternalRoute(ep, "ping@internal", "PathPrefix(`/ping`)", routing::kMaxPriority,
                         addInternalService(std::move(ping)));
      } else {
        report_.errors.push_back("ping: entry point \"" + static_.ping->entry_point +
                                 "\" does not exist");
      }
    }
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      const auto& ep = static_.entry_points.at(entry_point_names_[i]);
      if (!ep.http.redirections.entry_point) {
        continue;
      }
      addRedirection(i, *ep.http.redirections.entry_point);
    }
  }

  // spec A.7: `to` is an entry point name or a literal ":port"; the port is left out of the
  // Location when it is the scheme's default.
  void addRedirection(std::size_t ep_index, const config::RedirectEntryPoint& r) {
    const std::string& from = entry_point_names_[ep_index];
    std::string port;
    if (!r.to.empty() && r.to.front() == ':') {
      port = r.to.substr(1);
    } else {
      auto it = static_.entry_points.find(r.to);
      if (it == static_.entry_points.end()) {
        report_.errors.push_back("entry point " + from + ": redirection target \"" + r.to +
                                 "\" is not an entry point");
        return;
      }
      port = std::to_string(it->second.address.port);
    }
    if ((r.scheme == "https" && port == "443") || (r.scheme == "http" && port == "80")) {
      port.clear();
    }
    ServiceSpec svc;
    svc.name = from + "-to-" + r.to + "@internal";
    svc.kind = runtime::ServiceKind::Redirect;
    svc.redirect.scheme = r.scheme;
    svc.redirect.port = port;
    svc.redirect.permanent = r.permanent;
    std::string name = svc.name;
    addInternalRoute(ep_index, name, "HostRegexp(`^.+$`)", r.priority,
                     addInternalService(std::move(svc)));
  }

  const config::StaticConfig& static_;
  const std::vector<std::string>& entry_point_names_;
  const std::set<std::string>& default_rule_routers_;
  std::shared_ptr<runtime::Snapshot> snapshot_;
  std::vector<std::vector<HttpRoute>> routes_;
  std::unordered_map<std::string, std::uint32_t> service_index_;
  std::optional<middleware::MiddlewareSet> middlewares_;
  BuildReport report_;
};

}  // namespace

BuildResult buildSnapshot(const config::StaticConfig& static_config,
                          const std::vector<std::string>& entry_point_names,
                          const config::DynamicConfig& merged, std::uint64_t generation,
                          const std::set<std::string>& default_rule_routers) {
  return Builder(static_config, entry_point_names, generation, default_rule_routers).run(merged);
}

std::string loopGuardValue(const std::string& qualified_router_name) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1 64: multiply, then xor
  for (unsigned char c : qualified_router_name) {
    hash *= 1099511628211ULL;
    hash ^= c;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kHex[hash & 0xf]);
    hash >>= 4;
  } while (hash != 0);
  return out;
}

}  // namespace pier::control
