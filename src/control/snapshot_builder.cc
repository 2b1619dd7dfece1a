#include "control/snapshot_builder.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/strings.h"
#include "control/composite_builder.h"
#include "control/health_attach.h"
#include "control/udp_objects.h"
#include "middleware/registry.h"
#include "middleware/tcp_middleware.h"
#include "observability/metrics_registry.h"
#include "routing/route_table.h"
#include "tls/client_tls.h"

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

// Client TLS contexts are costly to build (the system root bundle alone is parsed in tens of
// milliseconds), so identical settings share one context across services and generations.
// Control thread only.
Result<std::shared_ptr<const tls::ClientContext>> clientContextFor(
    const tls::ClientTlsSettings& settings) {
  static std::vector<std::pair<tls::ClientTlsSettings, std::shared_ptr<const tls::ClientContext>>>
      cache;
  for (const auto& [key, ctx] : cache) {
    if (key == settings) {
      return ctx;
    }
  }
  auto built = tls::buildClientContext(settings);
  if (!built) {
    return built;
  }
  if (cache.size() >= 64) {
    cache.erase(cache.begin());
  }
  cache.emplace_back(settings, *built);
  return built;
}

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
    https_routes_.resize(eps.size());
    https_domains_.resize(eps.size());
    tcp_routes_.resize(eps.size());
    tcp_tls_routes_.resize(eps.size());
  }

  BuildResult run(const config::DynamicConfig& merged, const tls::ServerTls* previous_tls,
                  observability::MetricsRegistry* metrics, const runtime::Snapshot* previous) {
    tls::ServerTls::BuildResult tls = tls::ServerTls::build(merged.tls, previous_tls);
    snapshot_->server_tls = tls.tls;
    for (std::string& e : tls.errors) {
      report_.errors.push_back("TLS: " + std::move(e));
    }
    middlewares_.emplace(merged.http.middlewares);
    tcp_middlewares_.emplace(merged.tcp.middlewares);
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
    buildTcpServices(merged);
    buildWeightedTcpServices(merged);
    buildTcpRouters(merged);
    reportUdpObjects(merged.udp, report_);  // Pier has no UDP forwarding
    for (std::size_t i = 0; i < entry_point_names_.size(); ++i) {
      runtime::EntryPointRoutes ep;
      ep.name = entry_point_names_[i];
      ep.http = routing::HttpRouteTable::build(std::move(routes_[i]));
      ep.https = routing::HttpRouteTable::build(std::move(https_routes_[i]));
      ep.tcp = routing::TcpRouteTable::build(std::move(tcp_routes_[i]));
      ep.tcp_tls = routing::TcpRouteTable::build(std::move(tcp_tls_routes_[i]));
      resolveHttpsOptions(i, ep);
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
      std::vector<std::size_t> eps;
      if (router.entry_points.empty()) {
        eps = defaultEntryPoints();
      } else {
        bool ok = true;
        for (const std::string& ep_name : router.entry_points) {
          std::size_t idx = entryPointIndex(ep_name);
          if (idx == entry_point_names_.size()) {
            report_.error(ObjectKind::HttpRouter, name,
                          "entry point \"" + ep_name + "\" does not exist");
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
      std::int64_t priority = routing::httpPriority(router.priority, *rule);
      std::vector<std::string> domains = routing::hostDomains(*rule);
      // One RouterSpec per distinct TLS setting: an entry point's http.tls gives TLS to the
      // routers that have none of their own (Traefik's entry-point model, spec F.3).
      std::map<std::string, std::uint32_t> target_by_tls;  // "" = plain HTTP
      for (std::size_t ep : eps) {
        const auto& ep_http = static_.entry_points.at(entry_point_names_[ep]).http;
        std::optional<std::string> tls_options;
        if (router.tls) {
          tls_options = router.tls->options.empty() ? "default" : router.tls->options;
        } else if (ep_http.tls) {
          tls_options = ep_http.tls->options.empty() ? "default" : ep_http.tls->options;
        }
        if (tls_options && !tlsOptionsUsable(ObjectKind::HttpRouter, name, *tls_options)) {
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

  // spec F.4: a router naming TLS options that do not exist, or failed to build, is disabled.
  bool tlsOptionsUsable(ObjectKind kind, const std::string& name, const std::string& options) {
    const tls::ServerTls& tls = *snapshot_->server_tls;
    if (tls.hasOptions(options)) {
      return true;
    }
    report_.error(kind, name,
                  "TLS options \"" + options + "\" " +
                      (tls.optionsInvalid(options) ? "are invalid (see the TLS error above)"
                                                   : "do not exist"));
    return false;
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

  // spec F.4: each Host domain of a TLS router selects that router's options at handshake
  // time. A domain claimed by routers with different options falls back to "default" for all
  // of them on this entry point; options that do not exist disable the router.
  void resolveHttpsOptions(std::size_t ep_index, runtime::EntryPointRoutes& ep) {
    std::map<std::string, std::set<std::string>> options_by_domain;
    std::map<std::string, std::vector<std::string>> routers_by_domain;
    for (const HttpsDomains& r : https_domains_[ep_index]) {
      const std::string& opts = snapshot_->routers[r.target].tls_options;
      if (r.domains.empty()) {
        ep.https_catch_all = true;
        if (opts != "default") {
          report_.warning(ObjectKind::HttpRouter, r.router,
                          "no domain found in its rule, so "
                          "the TLS options \"" +
                              opts +
                              "\" cannot be applied; "
                              "connections use the default options");
          snapshot_->routers[r.target].tls_options = "default";
        }
      }
      for (const std::string& d : r.domains) {
        options_by_domain[d].insert(opts);
        routers_by_domain[d].push_back(r.router);
      }
    }
    for (const auto& [domain, opts] : options_by_domain) {
      std::string chosen = *opts.begin();
      if (opts.size() > 1) {
        std::string names;
        for (const std::string& n : routers_by_domain[domain]) {
          names += (names.empty() ? "" : ", ") + n;
        }
        report_.errors.push_back("entry point " + ep.name + ": host " + domain +
                                 " is served by routers with different TLS options (" + names +
                                 "); the default options are used for it");
        for (const std::string& n : routers_by_domain[domain]) {  // API: status "warning"
          report_.attach(ObjectKind::HttpRouter, n,
                         "its TLS options conflict with other routers' for host " + domain +
                             " on entry point " + ep.name + "; the default options are used",
                         false);
        }
        chosen = "default";
        for (const HttpsDomains& r : https_domains_[ep_index]) {
          for (const std::string& d : r.domains) {
            if (d == domain) {
              snapshot_->routers[r.target].tls_options = "default";
            }
          }
        }
      }
      if (domain.size() > 2 && domain[0] == '*' && domain[1] == '.') {
        ep.https_wildcard.insert(domain.substr(1));
        ep.https_options.wildcard[domain.substr(1)] = chosen;
      } else {
        ep.https_exact.insert(domain);
        ep.https_options.exact[domain] = chosen;
      }
    }
  }

  void buildTcpServices(const config::DynamicConfig& merged) {
    for (const auto& [name, svc] : merged.tcp.services) {
      if (int(svc.load_balancer.has_value()) + int(svc.weighted.has_value()) != 1) {
        report_.error(ObjectKind::TcpService, name,
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
      const config::StaticTcpServersTransport& defaults = static_.tcp_servers_transport;
      transport.dial_timeout = defaults.dial_timeout;
      transport.dial_keep_alive = defaults.dial_keep_alive;
      transport.termination_delay = defaults.termination_delay;
      if (defaults.tls) {
        transport.tls = config::TcpTransportTls{};
        transport.tls->insecure_skip_verify = defaults.tls->insecure_skip_verify;
        transport.tls->root_cas = defaults.tls->root_cas;
      }
      if (!lb.servers_transport.empty()) {
        auto it = merged.tcp.servers_transports.find(lb.servers_transport);
        if (it == merged.tcp.servers_transports.end()) {
          report_.error(ObjectKind::TcpService, name,
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
        report_.error(ObjectKind::TcpService, name,
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
          report_.error(ObjectKind::TcpService, name, parsed.error().message);
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
          report_.error(ObjectKind::TcpService, name, "TLS to its servers: " + ctx.error().message);
          continue;
        }
        spec.tls = *ctx;
      }
      if (ok) {
        tcp_service_index_[name] = static_cast<std::uint32_t>(snapshot_->tcp_services.size());
        snapshot_->tcp_services.push_back(std::move(spec));
      }
    }
  }

  // A weighted TCP service becomes one server list: each child's servers with weights scaled
  // so that the child gets its share (weight / total) and its servers keep their own ratios,
  // which is what picking a child then a server gives over many connections.
  void buildWeightedTcpServices(const config::DynamicConfig& merged) {
    for (const auto& [name, svc] : merged.tcp.services) {
      if (!svc.weighted || svc.load_balancer) {
        continue;
      }
      std::set<std::string> visiting;
      auto flat = flattenWeighted(merged, name, visiting);
      if (!flat) {
        report_.error(ObjectKind::TcpService, name, flat.error().message);
        continue;
      }
      flat->name = name;
      tcp_service_index_[name] = static_cast<std::uint32_t>(snapshot_->tcp_services.size());
      snapshot_->tcp_services.push_back(std::move(*flat));
    }
  }

  Result<runtime::TcpServiceSpec> flattenWeighted(const config::DynamicConfig& merged,
                                                  const std::string& name,
                                                  std::set<std::string>& visiting) {
    if (auto it = tcp_service_index_.find(name); it != tcp_service_index_.end()) {
      return snapshot_->tcp_services[it->second];
    }
    auto svc = merged.tcp.services.find(name);
    if (svc == merged.tcp.services.end()) {
      return fail(Error::config("service \"" + name + "\" does not exist"));
    }
    if (!svc->second.weighted) {
      return fail(Error::config("service \"" + name + "\" is not usable (see its error)"));
    }
    if (!visiting.insert(name).second) {
      return fail(Error::config("weighted services refer to each other in a cycle through \"" +
                                name + "\""));
    }
    runtime::TcpServiceSpec out;
    std::vector<std::pair<runtime::TcpServiceSpec, std::int64_t>> children;
    for (const config::WeightedRef& ref : svc->second.weighted->services) {
      if (ref.weight <= 0) {
        continue;
      }
      auto child = flattenWeighted(merged, ref.name, visiting);
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

  void buildTcpRouters(const config::DynamicConfig& merged) {
    for (const auto& [name, router] : merged.tcp.routers) {
      std::vector<middleware::TcpMiddlewarePtr> tcp_middlewares;
      if (!router.middlewares.empty()) {
        auto built = tcp_middlewares_->listFor(router.middlewares);
        if (!built) {
          report_.error(ObjectKind::TcpRouter, name, built.error().message);
          continue;
        }
        tcp_middlewares = std::move(*built);
      }
      auto svc = tcp_service_index_.find(router.service);
      if (router.service.empty() || svc == tcp_service_index_.end()) {
        report_.error(ObjectKind::TcpRouter, name,
                      "the TCP service \"" + router.service + "\" does not exist");
        continue;
      }
      auto rule = routing::TcpRule::compile(router.rule);
      if (!rule) {
        report_.error(ObjectKind::TcpRouter, name, rule.error().message);
        continue;
      }
      if (router.priority > routing::kMaxUserPriority) {
        report_.error(ObjectKind::TcpRouter, name,
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
            !tlsOptionsUsable(ObjectKind::TcpRouter, name, spec.tls_options)) {
          continue;
        }
      } else if (!rule->isCatchAll() && !routing::sniDomains(*rule).empty()) {
        // spec C1.15: without TLS there is no SNI, so HostSNI(`name`) could never match.
        report_.error(ObjectKind::TcpRouter, name,
                      "HostSNI with a domain needs TLS "
                      "(tls=true or tls.passthrough=true); only HostSNI(`*`) works "
                      "without TLS");
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
            report_.error(ObjectKind::TcpRouter, name,
                          "entry point \"" + ep_name + "\" does not exist");
            ok = false;
            break;
          }
          eps.push_back(idx);
        }
        if (!ok) {
          continue;
        }
      }
      auto target = static_cast<std::uint32_t>(snapshot_->tcp_routers.size());
      bool tls = spec.tls != runtime::TcpTlsMode::None;
      snapshot_->tcp_routers.push_back(std::move(spec));
      std::int64_t priority = routing::tcpPriority(router.priority, *rule);
      for (std::size_t ep : eps) {
        auto& table = tls ? tcp_tls_routes_[ep] : tcp_routes_[ep];
        table.push_back(routing::TcpRoute{name, priority, providerRank(name), *rule, target});
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
    std::size_t ep = entryPointIndex(ep_name);
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
  // The Host domains of one TLS router on one entry point (spec F.4).
  struct HttpsDomains {
    std::string router;
    std::uint32_t target = 0;
    std::vector<std::string> domains;
  };

  std::vector<std::vector<HttpRoute>> routes_;        // per entry point: plain HTTP
  std::vector<std::vector<HttpRoute>> https_routes_;  // per entry point: TLS routers
  std::vector<std::vector<HttpsDomains>> https_domains_;
  std::vector<std::vector<routing::TcpRoute>> tcp_routes_;
  std::vector<std::vector<routing::TcpRoute>> tcp_tls_routes_;
  std::unordered_map<std::string, std::uint32_t> service_index_;
  std::unordered_map<std::string, std::uint32_t> tcp_service_index_;
  std::optional<middleware::MiddlewareSet> middlewares_;
  std::optional<middleware::TcpMiddlewareSet> tcp_middlewares_;
  BuildReport report_;
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
