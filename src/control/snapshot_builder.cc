#include "control/snapshot_builder.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/strings.h"
#include "control/composite_builder.h"
#include "control/health_attach.h"
#include "control/snapshot_build_context.h"
#include "control/tcp_snapshot_builder.h"
#include "control/tls_snapshot_builder.h"
#include "control/udp_objects.h"
#include "middleware/registry.h"
#include "observability/metrics_registry.h"
#include "routing/route_table.h"
#include "runtime/sticky_cookie.h"
#include "tls/client_tls.h"

namespace pier::control {
namespace {

using routing::HttpRoute;
using runtime::ServiceSpec;

// Timeouts and idle limits of a servers transport: the static default (serversTransport) and
// the dynamic ones (http.serversTransports) carry the same fields.
template <typename Transport>
runtime::TransportSpec transportFrom(const Transport& transport) {
  runtime::TransportSpec t;
  auto ms = [](config::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
  };
  t.dial_timeout = ms(transport.forwarding_timeouts.dial_timeout);
  t.response_header_timeout = ms(transport.forwarding_timeouts.response_header_timeout);
  t.idle_conn_timeout = ms(transport.forwarding_timeouts.idle_conn_timeout);
  t.max_idle_conns_per_host = static_cast<std::uint32_t>(transport.max_idle_conns_per_host);
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
        snapshot_(std::make_shared<runtime::Snapshot>()),
        ctx_{st, eps, *snapshot_, report_} {
    snapshot_->generation = generation;
    routes_.resize(eps.size());
    https_routes_.resize(eps.size());
    https_domains_.resize(eps.size());
  }

  BuildResult run(const config::DynamicConfig& merged, const tls::ServerTls* previous_tls,
                  observability::MetricsRegistry* metrics, const runtime::Snapshot* previous) {
    buildServerTls(merged.tls, previous_tls, *snapshot_, report_);
    middlewares_.emplace(merged.http.middlewares);
    buildServices(merged);
    addInternalServices();  // before routers: manualRouting routers name them
    // weighted, mirroring, failover: after the services they are made of
    std::size_t errors_before = report_.errors.size();
    buildCompositeServices(merged, *snapshot_, service_index_, report_.errors, report_.warnings);
    for (std::size_t i = errors_before; i < report_.errors.size(); ++i) {
      // The composite builder writes "service <name>: <why>"; the API shows it on that service.
      const std::string& line = report_.errors[i];
      std::size_t colon = line.find(": ");
      if (line.starts_with("service ") && colon != std::string::npos) {
        report_.attach(ObjectKind::HttpService, line.substr(8, colon - 8), line.substr(colon + 2),
                       true);
      }
    }
    buildRouters(merged);
    addInternalRouters();
    TcpSnapshotBuilder tcp(ctx_, merged);
    tcp.build();
    reportUdpObjects(merged.udp, report_);  // Pier has no UDP forwarding
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      runtime::EntryPointRoutes ep;
      ep.name = entry_point_names_[i];
      ep.http = routing::HttpRouteTable::build(std::move(routes_[i]));
      ep.https = routing::HttpRouteTable::build(std::move(https_routes_[i]));
      ep.tcp = routing::TcpRouteTable::build(std::move(tcp.routes()[i]));
      ep.tcp_tls = routing::TcpRouteTable::build(std::move(tcp.tlsRoutes()[i]));
      resolveHttpsOptions(https_domains_[i], ep, *snapshot_, report_);
      warnTies(ep.name, ep.http.ties());
      warnTies(ep.name, ep.https.ties());
      warnTies(ep.name, ep.tcp.ties());
      warnTies(ep.name, ep.tcp_tls.ties());
      snapshot_->entry_points.push_back(std::move(ep));
    }
    // Active health checks (spec D.3): flags per server, carried over from `previous`.
    attachServerHealth(*snapshot_, merged, static_, previous, report_.warnings);
    if (metrics != nullptr) {
      metrics->labelSnapshot(*snapshot_);
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
        report_.error(ObjectKind::HttpService, name,
                      "a service needs exactly one type (loadBalancer, weighted, "
                      "mirroring, failover or highestRandomWeight), found " +
                          std::to_string(types));
        continue;
      }
      if (svc.weighted || svc.mirroring || svc.failover) {
        continue;  // composite: built by buildCompositeServices once its children exist
      }
      if (!svc.load_balancer) {
        report_.error(ObjectKind::HttpService, name,
                      "highestRandomWeight services are not supported yet");
        continue;
      }
      ServiceSpec spec;
      spec.name = name;
      spec.kind = runtime::ServiceKind::LoadBalancer;
      spec.pass_host_header = svc.load_balancer->pass_host_header;
      spec.transport = transportFrom(static_.servers_transport);
      tls::ClientTlsSettings tls_settings;
      tls_settings.insecure_skip_verify = static_.servers_transport.insecure_skip_verify;
      tls_settings.root_cas = static_.servers_transport.root_cas;
      const std::string& transport_ref = svc.load_balancer->servers_transport;
      if (!transport_ref.empty()) {
        auto it = merged.http.servers_transports.find(transport_ref);
        if (it == merged.http.servers_transports.end()) {
          report_.error(ObjectKind::HttpService, name,
                        "serversTransport \"" + transport_ref + "\" does not exist");
          continue;
        }
        spec.transport = transportFrom(it->second);
        spec.transport.name = transport_ref;
        tls_settings = tls::clientSettingsFrom(it->second);
      }
      bool ok = true;
      for (const auto& server : svc.load_balancer->servers) {
        int weight = server.weight;
        if (weight <= 0) {
          continue;  // spec D.1: weight <= 0 takes the server out
        }
        auto parsed = parseServerUrl(server.url, weight, server.preserve_path);
        if (!parsed) {
          report_.error(ObjectKind::HttpService, name, parsed.error().message);
          ok = false;
          break;
        }
        spec.servers.push_back(std::move(*parsed));
      }
      bool any_https = std::any_of(spec.servers.begin(), spec.servers.end(),
                                   [](const runtime::ServerSpec& s) { return s.https; });
      if (ok && any_https) {
        auto ctx = clientContextFor(tls_settings);
        if (!ctx) {
          report_.error(ObjectKind::HttpService, name,
                        "TLS to its servers: " + ctx.error().message);
          continue;
        }
        spec.transport.tls = *ctx;
      }
      if (ok && svc.load_balancer->sticky && svc.load_balancer->sticky->cookie) {
        std::vector<std::string> urls;  // spec D.2: the cookie names a server by its URL's hash
        for (const auto& server : spec.servers) {
          urls.push_back(server.url);
        }
        spec.sticky = buildStickyCookie(*svc.load_balancer->sticky->cookie, name, urls);
      }
      if (ok) {
        service_index_[name] = static_cast<std::uint32_t>(snapshot_->services.size());
        snapshot_->services.push_back(std::move(spec));
      }
    }
  }

  void buildRouters(const config::DynamicConfig& merged) {
    for (const auto& [name, router] : merged.http.routers) {
      middleware::ChainPtr chain;
      if (!router.middlewares.empty()) {
        // Each middleware is built once (MiddlewareSet caches); a broken one disables only the
        // routers that use it, each saying why (spec I.2).
        auto built = middlewares_->chainFor(router.middlewares);
        if (!built) {
          report_.error(ObjectKind::HttpRouter, name, built.error().message);
          reportBrokenMiddlewares(router.middlewares);
          continue;
        }
        chain = std::move(*built);
      }
      auto svc = service_index_.find(router.service);
      if (router.service.empty() || svc == service_index_.end()) {
        report_.error(ObjectKind::HttpRouter, name,
                      "the service \"" + router.service + "\" does not exist");
        continue;
      }
      auto rule = routing::HttpRule::compile(router.rule);
      if (!rule) {
        report_.error(ObjectKind::HttpRouter, name, rule.error().message);
        continue;
      }
      if (router.priority > routing::kMaxUserPriority) {
        report_.error(ObjectKind::HttpRouter, name,
                      "priority " + std::to_string(router.priority) + " is above the maximum " +
                          std::to_string(routing::kMaxUserPriority));
        continue;
      }
      auto eps = ctx_.routerEntryPoints(ObjectKind::HttpRouter, name, router.entry_points);
      if (!eps) {
        continue;
      }
      runtime::RouterSpec spec;
      spec.name = name;
      spec.service = svc->second;
      spec.chain = std::move(chain);
      if (default_rule_routers_.count(name) != 0) {
        spec.from_default_rule = true;
        spec.loop_guard_value = loopGuardValue(name);
      }
      std::int64_t priority = routing::httpPriority(router.priority, *rule);
      std::vector<std::string> domains = routing::hostDomains(*rule);
      // One RouterSpec per distinct TLS setting: an entry point's http.tls gives TLS to the
      // routers that have none of their own (Traefik's entry-point model, spec F.3).
      std::map<std::string, std::uint32_t> target_by_tls;  // "" = plain HTTP
      for (std::size_t ep : *eps) {
        const auto& ep_http = static_.entry_points.at(entry_point_names_[ep]).http;
        std::optional<std::string> tls_options;
        if (router.tls) {
          tls_options = router.tls->options.empty() ? "default" : router.tls->options;
        } else if (ep_http.tls) {
          tls_options = ep_http.tls->options.empty() ? "default" : ep_http.tls->options;
        }
        if (tls_options && !tlsOptionsUsable(*snapshot_->server_tls, ObjectKind::HttpRouter, name,
                                             *tls_options, report_)) {
          continue;
        }
        std::string key = tls_options ? "tls:" + *tls_options : "";
        // Entry-point middlewares (entryPoints.<ep>.http.middlewares) run before the router's
        // own, so routers on entry points with different lists get a spec each.
        middleware::ChainPtr ep_chain = spec.chain;
        if (!ep_http.middlewares.empty()) {
          std::vector<std::string> refs;
          for (const std::string& ref : ep_http.middlewares) {
            refs.push_back(middleware::qualifyReference(ref, name));
            key += "|" + refs.back();
          }
          refs.insert(refs.end(), router.middlewares.begin(), router.middlewares.end());
          auto built = middlewares_->chainFor(refs);
          if (!built) {
            report_.error(ObjectKind::HttpRouter, name,
                          "entry point " + entry_point_names_[ep] + ": " + built.error().message);
            continue;
          }
          ep_chain = std::move(*built);
        }
        auto [it, fresh] = target_by_tls.emplace(key, 0);
        if (fresh) {
          runtime::RouterSpec copy = spec;
          copy.chain = std::move(ep_chain);
          copy.tls_options = tls_options.value_or("");
          it->second = static_cast<std::uint32_t>(snapshot_->routers.size());
          snapshot_->routers.push_back(std::move(copy));
        }
        HttpRoute route{name, priority, providerRank(name), *rule, it->second};
        if (tls_options) {
          https_routes_[ep].push_back(std::move(route));
          https_domains_[ep].push_back(HttpsDomains{name, it->second, domains});
        } else {
          routes_[ep].push_back(std::move(route));
        }
      }
    }
  }

  // API: each middleware of a failed chain that is itself broken carries its own error.
  void reportBrokenMiddlewares(const std::vector<std::string>& refs) {
    for (const std::string& ref : refs) {
      auto one = middlewares_->resolve(ref);  // cached by MiddlewareSet: no second build
      if (!one) {
        report_.attach(ObjectKind::HttpMiddleware, ref, one.error().message, true);
      }
    }
  }

  void warnTies(const std::string& ep, const std::vector<routing::RouteTie>& ties) {
    for (const routing::RouteTie& tie : ties) {
      std::string names;
      for (const std::string& n : tie.names) {
        names += (names.empty() ? "" : ", ") + n;
      }
      report_.warnings.push_back("entry point " + ep + ": routers " + names +
                                 " have the same priority " + std::to_string(tie.priority) +
                                 "; they are tried in name order");
    }
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
      report_.error(ObjectKind::HttpRouter, name, rule.error().message);
      return;
    }
    runtime::RouterSpec spec;
    spec.name = name;
    spec.service = service;
    auto target = static_cast<std::uint32_t>(snapshot_->routers.size());
    snapshot_->routers.push_back(spec);
    routes_[ep].push_back(HttpRoute{name, priority, providerRank(name), *rule, target});
  }

  // Internal services (spec A.9): ping@internal with live@internal and ready@internal (Pier's
  // /live and /ready), and prometheus@internal. Registered by name so that a user router can
  // target them when manualRouting is set.
  void addInternalServices() {
    auto add = [&](const char* name, runtime::ServiceKind kind) {
      ServiceSpec spec;
      spec.name = name;
      spec.kind = kind;
      std::uint32_t idx = addInternalService(std::move(spec));
      service_index_[name] = idx;
    };
    if (static_.ping) {
      add("ping@internal", runtime::ServiceKind::Ping);
      add("live@internal", runtime::ServiceKind::Live);
      add("ready@internal", runtime::ServiceKind::Ready);
    }
    if (static_.metrics && static_.metrics->prometheus) {
      add("prometheus@internal", runtime::ServiceKind::Prometheus);
    }
    if (static_.api) {
      add("api@internal", runtime::ServiceKind::Api);
      if (static_.api->dashboard) {
        // Traefik v3's name for the dashboard; Pier's api@internal serves it as well.
        add("dashboard@internal", runtime::ServiceKind::Api);
      }
    }
  }

  // Routes for internal services on their entry point, unless manualRouting is set.
  // Rules of internal routers do not overlap; distinct priorities only avoid tie warnings.
  void routeInternal(const std::string& what, const std::string& ep_name, const char* router,
                     const char* rule, const char* service, std::int64_t below_max) {
    std::size_t ep = ctx_.entryPointIndex(ep_name);
    if (ep >= entry_point_names_.size()) {
      report_.errors.push_back(what + ": entry point \"" + ep_name + "\" does not exist");
      return;
    }
    addInternalRoute(ep, router, rule, routing::kMaxPriority - below_max,
                     service_index_.at(service));
  }

  void addInternalRouters() {
    if (static_.ping && !static_.ping->manual_routing) {
      const std::string& ep = static_.ping->entry_point;
      routeInternal("ping", ep, "ping@internal", "PathPrefix(`/ping`)", "ping@internal", 0);
      routeInternal("ping", ep, "live@internal", "Path(`/live`)", "live@internal", 2);
      routeInternal("ping", ep, "ready@internal", "Path(`/ready`)", "ready@internal", 3);
    }
    if (static_.metrics && static_.metrics->prometheus &&
        !static_.metrics->prometheus->manual_routing) {
      routeInternal("metrics.prometheus", static_.metrics->prometheus->entry_point,
                    "prometheus@internal", "PathPrefix(`/metrics`)", "prometheus@internal", 1);
    }
    if (static_.api && static_.api->insecure) {
      // api.insecure: the API and the dashboard (/ redirects to it) on the `traefik` entry point.
      routeInternal("api", "traefik", "api@internal", "PathPrefix(`/api`)", "api@internal", 4);
      if (static_.api->dashboard) {
        routeInternal("api", "traefik", "dashboard@internal",
                      "PathPrefix(`/dashboard`) || Path(`/`)", "dashboard@internal", 5);
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
  BuildReport report_;
  SnapshotBuildContext ctx_;  // refers to snapshot_ and report_: declared after them

  std::vector<std::vector<HttpRoute>> routes_;        // per entry point: plain HTTP
  std::vector<std::vector<HttpRoute>> https_routes_;  // per entry point: TLS routers
  std::vector<std::vector<HttpsDomains>> https_domains_;
  std::unordered_map<std::string, std::uint32_t> service_index_;
  std::optional<middleware::MiddlewareSet> middlewares_;
};

}  // namespace

BuildResult buildSnapshot(const config::StaticConfig& static_config,
                          const std::vector<std::string>& entry_point_names,
                          const config::DynamicConfig& merged, std::uint64_t generation,
                          const std::set<std::string>& default_rule_routers,
                          const tls::ServerTls* previous_tls,
                          observability::MetricsRegistry* metrics,
                          const runtime::Snapshot* previous) {
  return Builder(static_config, entry_point_names, generation, default_rule_routers)
      .run(merged, previous_tls, metrics, previous);
}

std::string loopGuardValue(const std::string& qualified_router_name) {
  return runtime::fnv64Hex(qualified_router_name);
}

}  // namespace pier::control
