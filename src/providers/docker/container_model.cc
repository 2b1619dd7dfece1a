// Containers + labels -> dynamic configuration (spec B.2-B.10). Per container: filter (B.2),
// split the labels (B.3), decode them with the shared schema (config::decodeDynamicFlat), add
// servers (B.8), wire routers and services (B.6); then merge all containers (B.9).
#include "providers/docker/container_model.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "base/strings.h"
#include "config/decode.h"  // parseGoBool, suggest
#include "config/dynamic_decode.h"

namespace pier::providers::docker {

using config::DynamicConfig;

// ---- structural comparison ------------------------------------------------------------------
// Spec B.9 compares objects deeply. The model has no operator==, so this walks it field by
// field and names the first difference ("rule", "loadBalancer.passHostHeader").

namespace {

using Diff = std::optional<std::string>;

Diff join(const std::string& name, const Diff& inner) {
  if (!inner)
    return std::nullopt;
  return inner->empty() ? name : name + "." + *inner;
}

Diff diff(const std::string& a, const std::string& b) {
  return a == b ? Diff{} : Diff{""};
}
Diff diff(bool a, bool b) {
  return a == b ? Diff{} : Diff{""};
}
Diff diff(int a, int b) {
  return a == b ? Diff{} : Diff{""};
}
Diff diff(std::int64_t a, std::int64_t b) {
  return a == b ? Diff{} : Diff{""};
}
Diff diff(const config::Duration& a, const config::Duration& b) {
  return a == b ? Diff{} : Diff{""};
}
Diff diff(const config::Node& a, const config::Node& b);
Diff diff(const config::TlsDomain& a, const config::TlsDomain& b);
Diff diff(const config::RouterTls& a, const config::RouterTls& b);
Diff diff(const config::RouterObservability& a, const config::RouterObservability& b);
Diff diff(const config::HttpRouter& a, const config::HttpRouter& b);
Diff diff(const config::Cookie& a, const config::Cookie& b);
Diff diff(const config::Sticky& a, const config::Sticky& b);
Diff diff(const config::ServerHealthCheck& a, const config::ServerHealthCheck& b);
Diff diff(const config::PassiveHealthCheck& a, const config::PassiveHealthCheck& b);
Diff diff(const config::HttpLoadBalancer& a, const config::HttpLoadBalancer& b);
Diff diff(const config::EmptyHealthCheck& a, const config::EmptyHealthCheck& b);
Diff diff(const config::WeightedRef& a, const config::WeightedRef& b);
Diff diff(const config::WeightedService& a, const config::WeightedService& b);
Diff diff(const config::MirrorRef& a, const config::MirrorRef& b);
Diff diff(const config::MirroringService& a, const config::MirroringService& b);
Diff diff(const config::FailoverErrors& a, const config::FailoverErrors& b);
Diff diff(const config::FailoverService& a, const config::FailoverService& b);
Diff diff(const config::HttpService& a, const config::HttpService& b);
Diff diff(const config::Middleware& a, const config::Middleware& b);
Diff diff(const config::TcpRouterTls& a, const config::TcpRouterTls& b);
Diff diff(const config::TcpRouter& a, const config::TcpRouter& b);
Diff diff(const config::TcpProxyProtocol& a, const config::TcpProxyProtocol& b);
Diff diff(const config::TcpServerHealthCheck& a, const config::TcpServerHealthCheck& b);
Diff diff(const config::TcpLoadBalancer& a, const config::TcpLoadBalancer& b);
Diff diff(const config::TcpWeightedService& a, const config::TcpWeightedService& b);
Diff diff(const config::TcpService& a, const config::TcpService& b);
Diff diff(const config::UdpRouter& a, const config::UdpRouter& b);
Diff diff(const config::UdpLoadBalancer& a, const config::UdpLoadBalancer& b);
Diff diff(const config::UdpService& a, const config::UdpService& b);
Diff diff(const config::CertificateFiles& a, const config::CertificateFiles& b);
Diff diff(const config::GeneratedCert& a, const config::GeneratedCert& b);
Diff diff(const config::TlsStore& a, const config::TlsStore& b);

template <class T>
Diff diff(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return Diff{""};
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (auto d = diff(a[i], b[i]))
      return "[" + std::to_string(i) + "]" + (d->empty() ? "" : "." + *d);
  }
  return std::nullopt;
}

template <class T>
Diff diff(const std::optional<T>& a, const std::optional<T>& b) {
  if (a.has_value() != b.has_value())
    return Diff{""};
  return a ? diff(*a, *b) : Diff{};
}

template <class T>
Diff diff(const std::map<std::string, T>& a, const std::map<std::string, T>& b) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end())
      return k;
    if (auto d = diff(v, it->second))
      return join(k, d);
  }
  for (const auto& [k, v] : b)
    if (a.find(k) == a.end())
      return k;
  return std::nullopt;
}

#define PIER_DIFF(field, name)                \
  if (auto d_ = diff(a.field, b.field); d_) { \
    return join(name, d_);                    \
  }

Diff diff(const config::Node& a, const config::Node& b) {
  if (a.kind() != b.kind() || a.values() != b.values() ||
      a.children().size() != b.children().size() || a.items().size() != b.items().size())
    return Diff{""};
  for (std::size_t i = 0; i < a.children().size(); ++i) {
    const auto& [ka, na] = a.children()[i];
    const auto& [kb, nb] = b.children()[i];
    if (ka != kb)
      return ka;
    if (auto d = diff(na, nb))
      return join(ka, d);
  }
  for (std::size_t i = 0; i < a.items().size(); ++i) {
    if (auto d = diff(a.items()[i], b.items()[i]))
      return "[" + std::to_string(i) + "]" + (d->empty() ? "" : "." + *d);
  }
  return std::nullopt;
}

Diff diff(const config::TlsDomain& a, const config::TlsDomain& b) {
  PIER_DIFF(main, "main");
  PIER_DIFF(sans, "sans");
  return std::nullopt;
}

Diff diff(const config::RouterTls& a, const config::RouterTls& b) {
  PIER_DIFF(options, "options");
  PIER_DIFF(cert_resolver, "certResolver");
  PIER_DIFF(domains, "domains");
  return std::nullopt;
}

Diff diff(const config::RouterObservability& a, const config::RouterObservability& b) {
  PIER_DIFF(access_logs, "accessLogs");
  PIER_DIFF(metrics, "metrics");
  PIER_DIFF(tracing, "tracing");
  PIER_DIFF(trace_verbosity, "traceVerbosity");
  return std::nullopt;
}

Diff diff(const config::HttpRouter& a, const config::HttpRouter& b) {
  PIER_DIFF(entry_points, "entryPoints");
  PIER_DIFF(rule, "rule");
  PIER_DIFF(rule_syntax, "ruleSyntax");
  PIER_DIFF(priority, "priority");
  PIER_DIFF(service, "service");
  PIER_DIFF(middlewares, "middlewares");
  PIER_DIFF(tls, "tls");
  PIER_DIFF(observability, "observability");
  return std::nullopt;
}

Diff diff(const config::Cookie& a, const config::Cookie& b) {
  PIER_DIFF(name, "name");
  PIER_DIFF(secure, "secure");
  PIER_DIFF(http_only, "httpOnly");
  PIER_DIFF(same_site, "sameSite");
  PIER_DIFF(max_age, "maxAge");
  PIER_DIFF(path, "path");
  PIER_DIFF(domain, "domain");
  PIER_DIFF(partitioned, "partitioned");
  return std::nullopt;
}

Diff diff(const config::Sticky& a, const config::Sticky& b) {
  PIER_DIFF(cookie, "cookie");
  return std::nullopt;
}

Diff diff(const config::ServerHealthCheck& a, const config::ServerHealthCheck& b) {
  PIER_DIFF(scheme, "scheme");
  PIER_DIFF(mode, "mode");
  PIER_DIFF(path, "path");
  PIER_DIFF(method, "method");
  PIER_DIFF(status, "status");
  PIER_DIFF(port, "port");
  PIER_DIFF(interval, "interval");
  PIER_DIFF(unhealthy_interval, "unhealthyInterval");
  PIER_DIFF(timeout, "timeout");
  PIER_DIFF(hostname, "hostname");
  PIER_DIFF(follow_redirects, "followRedirects");
  PIER_DIFF(headers, "headers");
  return std::nullopt;
}

Diff diff(const config::PassiveHealthCheck& a, const config::PassiveHealthCheck& b) {
  PIER_DIFF(failure_window, "failureWindow");
  PIER_DIFF(max_failed_attempts, "maxFailedAttempts");
  return std::nullopt;
}

// Servers are not compared: replicas differ exactly there (spec B.9).
Diff diff(const config::HttpLoadBalancer& a, const config::HttpLoadBalancer& b) {
  PIER_DIFF(sticky, "sticky");
  PIER_DIFF(strategy, "strategy");
  PIER_DIFF(health_check, "healthCheck");
  PIER_DIFF(passive_health_check, "passiveHealthCheck");
  PIER_DIFF(pass_host_header, "passHostHeader");
  PIER_DIFF(response_forwarding.flush_interval, "responseForwarding.flushInterval");
  PIER_DIFF(servers_transport, "serversTransport");
  return std::nullopt;
}

Diff diff(const config::EmptyHealthCheck&, const config::EmptyHealthCheck&) {
  return std::nullopt;
}

Diff diff(const config::WeightedRef& a, const config::WeightedRef& b) {
  PIER_DIFF(name, "name");
  PIER_DIFF(weight, "weight");
  return std::nullopt;
}

Diff diff(const config::WeightedService& a, const config::WeightedService& b) {
  PIER_DIFF(services, "services");
  PIER_DIFF(sticky, "sticky");
  PIER_DIFF(health_check, "healthCheck");
  return std::nullopt;
}

Diff diff(const config::MirrorRef& a, const config::MirrorRef& b) {
  PIER_DIFF(name, "name");
  PIER_DIFF(percent, "percent");
  return std::nullopt;
}

Diff diff(const config::MirroringService& a, const config::MirroringService& b) {
  PIER_DIFF(service, "service");
  PIER_DIFF(mirrors, "mirrors");
  PIER_DIFF(max_body_size, "maxBodySize");
  PIER_DIFF(mirror_body, "mirrorBody");
  PIER_DIFF(health_check, "healthCheck");
  return std::nullopt;
}

Diff diff(const config::FailoverErrors& a, const config::FailoverErrors& b) {
  PIER_DIFF(status, "status");
  PIER_DIFF(max_request_body_bytes, "maxRequestBodyBytes");
  return std::nullopt;
}

Diff diff(const config::FailoverService& a, const config::FailoverService& b) {
  PIER_DIFF(service, "service");
  PIER_DIFF(fallback, "fallback");
  PIER_DIFF(health_check, "healthCheck");
  PIER_DIFF(errors, "errors");
  return std::nullopt;
}

Diff diff(const config::HttpService& a, const config::HttpService& b) {
  PIER_DIFF(load_balancer, "loadBalancer");
  PIER_DIFF(weighted, "weighted");
  PIER_DIFF(mirroring, "mirroring");
  PIER_DIFF(failover, "failover");
  PIER_DIFF(highest_random_weight, "highestRandomWeight");
  return std::nullopt;
}

Diff diff(const config::Middleware& a, const config::Middleware& b) {
  if (a.type != b.type)
    return Diff{""};
  return join(a.type, diff(a.options, b.options));
}

Diff diff(const config::TcpRouterTls& a, const config::TcpRouterTls& b) {
  PIER_DIFF(passthrough, "passthrough");
  PIER_DIFF(options, "options");
  PIER_DIFF(cert_resolver, "certResolver");
  PIER_DIFF(domains, "domains");
  return std::nullopt;
}

Diff diff(const config::TcpRouter& a, const config::TcpRouter& b) {
  PIER_DIFF(entry_points, "entryPoints");
  PIER_DIFF(rule, "rule");
  PIER_DIFF(rule_syntax, "ruleSyntax");
  PIER_DIFF(priority, "priority");
  PIER_DIFF(service, "service");
  PIER_DIFF(middlewares, "middlewares");
  PIER_DIFF(tls, "tls");
  return std::nullopt;
}

Diff diff(const config::TcpProxyProtocol& a, const config::TcpProxyProtocol& b) {
  PIER_DIFF(version, "version");
  return std::nullopt;
}

Diff diff(const config::TcpServerHealthCheck& a, const config::TcpServerHealthCheck& b) {
  PIER_DIFF(port, "port");
  PIER_DIFF(send, "send");
  PIER_DIFF(expect, "expect");
  PIER_DIFF(interval, "interval");
  PIER_DIFF(unhealthy_interval, "unhealthyInterval");
  PIER_DIFF(timeout, "timeout");
  return std::nullopt;
}

Diff diff(const config::TcpLoadBalancer& a, const config::TcpLoadBalancer& b) {
  PIER_DIFF(proxy_protocol, "proxyProtocol");
  PIER_DIFF(servers_transport, "serversTransport");
  PIER_DIFF(termination_delay, "terminationDelay");
  PIER_DIFF(health_check, "healthCheck");
  return std::nullopt;
}

Diff diff(const config::TcpWeightedService& a, const config::TcpWeightedService& b) {
  PIER_DIFF(services, "services");
  PIER_DIFF(health_check, "healthCheck");
  return std::nullopt;
}

Diff diff(const config::TcpService& a, const config::TcpService& b) {
  PIER_DIFF(load_balancer, "loadBalancer");
  PIER_DIFF(weighted, "weighted");
  return std::nullopt;
}

Diff diff(const config::UdpRouter& a, const config::UdpRouter& b) {
  PIER_DIFF(entry_points, "entryPoints");
  PIER_DIFF(service, "service");
  return std::nullopt;
}

Diff diff(const config::UdpLoadBalancer&, const config::UdpLoadBalancer&) {
  return std::nullopt;  // only servers
}

Diff diff(const config::UdpService& a, const config::UdpService& b) {
  PIER_DIFF(load_balancer, "loadBalancer");
  PIER_DIFF(weighted, "weighted");
  return std::nullopt;
}

Diff diff(const config::CertificateFiles& a, const config::CertificateFiles& b) {
  PIER_DIFF(cert_file, "certFile");
  PIER_DIFF(key_file, "keyFile");
  return std::nullopt;
}

Diff diff(const config::GeneratedCert& a, const config::GeneratedCert& b) {
  PIER_DIFF(resolver, "resolver");
  PIER_DIFF(domain, "domain");
  return std::nullopt;
}

Diff diff(const config::TlsStore& a, const config::TlsStore& b) {
  PIER_DIFF(default_certificate, "defaultCertificate");
  PIER_DIFF(default_generated_cert, "defaultGeneratedCert");
  return std::nullopt;
}

#undef PIER_DIFF

// ---- per-container configuration ------------------------------------------------------------

struct ContainerConf {
  std::string sort_key;  // "<service name>-<container id>" (Traefik's merge order)
  std::string container;
  DynamicConfig cfg;
  std::set<std::string> default_rule_routers;
  std::vector<ServerOrigin> servers;
};

const std::string& labelOr(const ContainerInfo& c, const std::string& key,
                           const std::string& fallback) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? fallback : it->second;
}

std::string joinNames(const std::vector<std::string>& names, std::string_view sep = ", ") {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty())
      out += sep;
    out += n;
  }
  return out;
}

bool validPort(const std::string& port) {
  long long v = 0;
  return base::parseInt64(port, v) && v >= 1 && v <= 65535;
}

std::string hostPort(const std::string& ip, const std::string& port) {
  if (ip.find(':') != std::string::npos)
    return "[" + ip + "]:" + port;
  return ip + ":" + port;
}

const ContainerNetwork* findNetwork(const ContainerInfo& c, const std::string& name) {
  for (const auto& n : c.networks)
    if (n.name == name)
      return &n;
  return nullptr;
}

std::string networkAddress(const ContainerNetwork& n) {
  return n.ip_address.empty() ? n.ipv6_address : n.ip_address;
}

// Provider-level label values (spec B.2 step 1).
struct ProviderLabels {
  std::optional<bool> enable;
  std::string network;
  bool allow_non_running = false;
};

// A label key's path after `traefik.`, original case kept.
struct SplitLabels {
  ProviderLabels provider;
  std::map<std::string, std::string> flat;  // for decodeDynamicFlat
  std::vector<std::string> warnings;
  std::optional<std::string> error;  // the container must be skipped
};

// Suggests the v3 key for a `traefik.*` label the provider ignores (pain point 1.3).
std::string suggestKey(const std::string& rest, const std::string& svc) {
  std::string lower = base::toLower(rest);
  struct Legacy {
    std::string_view v1;
    std::string v3;
  };
  const std::vector<Legacy> legacy = {
      {"frontend.rule", "traefik.http.routers." + svc + ".rule"},
      {"frontend.entrypoints", "traefik.http.routers." + svc + ".entrypoints"},
      {"frontend.priority", "traefik.http.routers." + svc + ".priority"},
      {"frontend.passhostheader", "traefik.http.services." + svc + ".loadbalancer.passhostheader"},
      {"port", "traefik.http.services." + svc + ".loadbalancer.server.port"},
      {"protocol", "traefik.http.services." + svc + ".loadbalancer.server.scheme"},
      {"weight", "traefik.http.services." + svc + ".loadbalancer.server.weight"},
      {"backend", "traefik.http.routers." + svc + ".service"},
      {"network", "traefik.docker.network"},
      {"docker.network", "traefik.docker.network"},
  };
  for (const auto& l : legacy)
    if (lower == l.v1)
      return l.v3;
  if (lower.rfind("frontend.", 0) == 0)
    return "traefik.http.routers." + svc + ".* (v1 frontends became routers and middlewares)";
  if (lower.rfind("backend.", 0) == 0)
    return "traefik.http.services." + svc + ".loadbalancer.* (v1 backends became services)";
  std::size_t dot = lower.find('.');
  std::string first = lower.substr(0, dot);
  std::string tail = dot == std::string::npos ? "" : rest.substr(dot);
  if (first == "routers" || first == "services" || first == "middlewares")
    return "traefik.http." + rest;
  std::string best = config::suggest(first, {"http", "tcp", "udp", "tls", "enable", "docker"});
  if (!best.empty())
    return "traefik." + best + tail;
  return {};
}

SplitLabels splitLabels(const ContainerInfo& c, const std::string& svc) {
  SplitLabels out;
  // Provider keys whose value is read below, lower-cased path after `traefik.`.
  for (const auto& [key, value] : c.labels) {
    if (!base::istartsWith(key, "traefik."))
      continue;
    std::string rest = key.substr(8);
    std::string lower = base::toLower(rest);
    auto root_is = [&](std::string_view root) {
      return lower.size() > root.size() && lower.compare(0, root.size(), root) == 0 &&
             lower[root.size()] == '.';
    };
    if (lower == "enable") {
      bool b = false;
      if (!config::parseGoBool(base::trim(value), b)) {
        out.error = "label " + key + ": expected true or false, got \"" + value + "\"";
        return out;
      }
      out.provider.enable = b;
    } else if (root_is("docker")) {
      if (lower == "docker.network") {
        out.provider.network = value;
      } else if (lower == "docker.allownonrunning") {
        bool b = false;
        if (!config::parseGoBool(base::trim(value), b)) {
          out.error = "label " + key + ": expected true or false, got \"" + value + "\"";
          return out;
        }
        out.provider.allow_non_running = b;
      } else {
        std::string field = lower.substr(7);
        std::string best = config::suggest(field, {"network", "allownonrunning"});
        out.error = "label " + key + ": unknown key; " +
                    (best.empty() ? std::string("the Docker provider reads traefik.docker.network "
                                                "and traefik.docker.allownonrunning")
                                  : "did you mean `traefik.docker." + best + "`?");
        return out;
      }
    } else if (root_is("http") || root_is("tcp") || root_is("udp")) {
      std::size_t dot = lower.find('.');
      std::string second = lower.substr(dot + 1, lower.find('.', dot + 1) - dot - 1);
      if (second == "serverstransports") {
        out.error = "label " + key +
                    ": servers transports cannot be defined with labels; define it in a file "
                    "and reference it as name@file";
        return out;
      }
      out.flat[rest] = value;
    } else if (lower.rfind("tls.stores.default.", 0) == 0) {
      out.flat[rest] = value;
    } else if (root_is("tls")) {
      out.warnings.push_back("label " + key +
                             " is ignored: labels can only set "
                             "traefik.tls.stores.default.defaultgeneratedcert.*; TLS options and "
                             "certificates belong in a file provider");
    } else {
      std::string best = suggestKey(rest, svc);
      out.warnings.push_back("label " + key + " is ignored (not a Traefik v3 label)" +
                             (best.empty() ? "" : "; did you mean " + best + "?"));
    }
  }
  return out;
}

// The decoder's messages name keys without the `traefik.` prefix the user wrote.
std::string withTraefikPrefix(std::string msg) {
  for (std::string_view marker : {"unknown key `", "did you mean `"}) {
    std::size_t pos = msg.find(marker);
    if (pos != std::string::npos)
      msg.insert(pos + marker.size(), "traefik.");
  }
  return msg;
}

}  // namespace

std::string containerServiceName(const ContainerInfo& c) {
  static const std::string empty;
  const std::string& project = c.compose_project.empty()
                                   ? labelOr(c, "com.docker.compose.project", empty)
                                   : c.compose_project;
  const std::string& service = c.compose_service.empty()
                                   ? labelOr(c, "com.docker.compose.service", empty)
                                   : c.compose_service;
  if (!project.empty() && !service.empty())
    return normalize(service + "_" + project);
  return normalize(c.name);
}

DockerModelSettings DockerModelSettings::fromStatic(const config::DockerProvider& p) {
  DockerModelSettings s;
  s.exposed_by_default = p.exposed_by_default;
  s.default_rule = p.default_rule;
  s.network = p.network;
  s.use_bind_port_ip = p.use_bind_port_ip;
  s.allow_empty_services = p.allow_empty_services;
  s.constraints = p.constraints;
  return s;
}

Result<DockerModel> DockerModel::create(const DockerModelSettings& settings) {
  auto rule = DefaultRuleTemplate::parse(settings.default_rule);
  if (!rule)
    return fail(Error::config("providers.docker.defaultRule: " + rule.error().message));
  auto constraints = Constraints::parse(settings.constraints);
  if (!constraints)
    return fail(Error::config("providers.docker.constraints: " + constraints.error().message));
  DockerModel m;
  m.settings_ = settings;
  m.default_rule_ = std::move(*rule);
  m.constraints_ = std::move(*constraints);
  return m;
}

// ---- building one container -----------------------------------------------------------------

namespace {

class ContainerBuilder {
 public:
  ContainerBuilder(const DockerModelSettings& settings, const DefaultRuleTemplate& rule,
                   const std::vector<ContainerInfo>& all, const ContainerInfo& c,
                   DockerModelOutput& out)
      : settings_(settings), rule_(rule), all_(all), c_(c), out_(out) {}

  // Returns the container's configuration, or nothing when it is filtered or skipped.
  std::optional<ContainerConf> run(const Constraints& constraints) {
    svc_ = containerServiceName(c_);
    SplitLabels labels = splitLabels(c_, svc_);
    if (labels.error) {
      error(*labels.error + " (container skipped)");
      return std::nullopt;
    }
    // Spec B.2: enable, constraints, state, health.
    if (!labels.provider.enable.value_or(settings_.exposed_by_default))
      return std::nullopt;
    if (!constraints.matches(c_.labels))
      return std::nullopt;
    static const std::string empty;
    if (base::iequals(labelOr(c_, "com.docker.compose.oneoff", empty), "true")) {
      if (settings_.ignore_one_off) {
        info("one-off container (docker compose run) ignored");
        return std::nullopt;
      }
      info("one-off container (docker compose run) joins its service's routers and services");
    }
    bool running = c_.running && !c_.paused;
    bool healthy = c_.health.empty() || c_.health == "healthy";
    if (!labels.provider.allow_non_running) {
      if (!running)
        return std::nullopt;
      if (!healthy && !settings_.allow_empty_services)
        return std::nullopt;
    }
    add_servers_ = running && healthy;
    network_label_ = labels.provider.network;
    for (const auto& w : labels.warnings)
      warning(w);

    auto decoded = config::decodeDynamicFlat(labels.flat, "label traefik.");
    if (!decoded) {
      error(withTraefikPrefix(decoded.error().message) + " (container skipped)");
      return std::nullopt;
    }
    ContainerConf conf;
    conf.container = c_.name;
    conf.sort_key = svc_ + "-" + c_.id;
    conf.cfg = std::move(*decoded);
    DynamicConfig& cfg = conf.cfg;

    bool tcp_or_udp = false;
    if (!cfg.tcp.routers.empty() || !cfg.tcp.services.empty()) {
      tcp_or_udp = true;
      if (!buildTcp(cfg.tcp, conf))
        return std::nullopt;
    }
    if (!cfg.udp.routers.empty() || !cfg.udp.services.empty()) {
      tcp_or_udp = true;
      if (!buildUdp(cfg.udp, conf))
        return std::nullopt;
    }
    if (tcp_or_udp && cfg.http.routers.empty() && cfg.http.middlewares.empty() &&
        cfg.http.services.empty())
      return conf;
    if (!buildHttpServices(cfg.http, conf))
      return std::nullopt;
    buildHttpRouters(cfg.http, conf);
    return conf;
  }

 private:
  void error(std::string msg) { out_.errors.push_back({c_.name, std::move(msg)}); }
  void warning(std::string msg) { out_.warnings.push_back({c_.name, std::move(msg)}); }
  void info(std::string msg) { out_.infos.push_back({c_.name, std::move(msg)}); }

  // ---- address (spec B.8) ----

  struct Endpoint {
    std::string ip;
    std::string port;
    std::string network;
  };

  const ContainerInfo* findContainer(const std::string& ref) const {
    for (const auto& o : all_)
      if (o.id == ref || o.name == ref || (ref.size() >= 12 && o.id.rfind(ref, 0) == 0))
        return &o;
    return nullptr;
  }

  // IP of `c` with preferred network `n`; `network` receives the network used.
  Result<std::string> ipAddress(const ContainerInfo& c, const std::string& n, std::string& network,
                                int depth) {
    if (!n.empty()) {
      if (const ContainerNetwork* net = findNetwork(c, n)) {
        network = net->name;
        return networkAddress(*net);
      }
    }
    if (c.network_mode == "host") {
      network = "host";
      return settings_.host_address;
    }
    if (c.network_mode.rfind("container:", 0) == 0) {
      std::string ref = c.network_mode.substr(10);
      const ContainerInfo* other = findContainer(ref);
      if (other == nullptr || depth > 4) {
        return fail(Error::config("network_mode " + c.network_mode +
                                  ": that container is not in Docker's list (it must exist to "
                                  "lend its network)"));
      }
      static const std::string empty;
      std::string other_net = n;
      for (const auto& [k, v] : other->labels)
        if (base::iequals(k, "traefik.docker.network") && !v.empty())
          other_net = v;
      return ipAddress(*other, other_net, network, depth + 1);
    }
    std::vector<const ContainerNetwork*> candidates;
    for (const auto& net : c.networks)
      if (!networkAddress(net).empty())
        candidates.push_back(&net);
    if (!n.empty() && !network_warned_) {
      network_warned_ = true;
      std::vector<std::string> names;
      for (const auto& net : c.networks)
        names.push_back(net.name);
      warning("network \"" + n + "\" (from " +
              (network_label_.empty() ? "providers.docker.network" : "traefik.docker.network") +
              ") is not attached to container " + c.name +
              " (attached: " + (names.empty() ? "none" : joinNames(names)) +
              "); Compose prefixes network names with the project, e.g. myproject_" + n);
    }
    if (candidates.empty())
      return std::string();
    std::sort(
        candidates.begin(), candidates.end(),
        [](const ContainerNetwork* a, const ContainerNetwork* b) { return a->name < b->name; });
    const ContainerNetwork* chosen = nullptr;
    for (const auto* cand : candidates) {
      if (std::find(settings_.proxy_networks.begin(), settings_.proxy_networks.end(), cand->name) !=
          settings_.proxy_networks.end()) {
        chosen = cand;
        break;
      }
    }
    std::string why = "shared with Pier";
    if (chosen == nullptr) {
      chosen = candidates.front();
      why = "first by name";
    }
    if (candidates.size() > 1 && !network_choice_logged_) {
      network_choice_logged_ = true;
      std::vector<std::string> names;
      for (const auto* cand : candidates)
        names.push_back(cand->name);
      info("several networks (" + joinNames(names) + "); using " + chosen->name + " (" + why +
           "); set traefik.docker.network to choose");
    }
    network = chosen->name;
    return networkAddress(*chosen);
  }

  // Port (label, else exposed) and IP for one server; `what` names the service for messages.
  Result<Endpoint> endpoint(const std::string& port_label, const std::string& label_key) {
    std::string port = port_label;
    if (!port.empty() && !validPort(port)) {
      return fail(Error::config("label " + label_key +
                                ": expected a port number (1-65535), got \"" + port + "\""));
    }
    if (port.empty()) {
      std::vector<std::uint16_t> exposed;
      for (const auto& p : c_.ports)
        if (p.container_port != 0)
          exposed.push_back(p.container_port);
      std::sort(exposed.begin(), exposed.end());
      exposed.erase(std::unique(exposed.begin(), exposed.end()), exposed.end());
      if (!exposed.empty()) {
        port = std::to_string(exposed.front());
        if (exposed.size() > 1 && !port_choice_logged_) {
          port_choice_logged_ = true;
          std::vector<std::string> list;
          for (auto p : exposed)
            list.push_back(std::to_string(p));
          warning("exposes several ports (" + joinNames(list) + "); using the lowest, " + port +
                  "; set " + label_key + " to choose");
        }
      }
    }
    Endpoint ep;
    if (settings_.use_bind_port_ip && !port.empty()) {
      const PortBinding* binding = nullptr;
      for (const auto& p : c_.ports) {
        if (std::to_string(p.container_port) == port && p.host_port != 0) {
          binding = &p;
          break;
        }
      }
      if (binding && !binding->host_ip.empty() && binding->host_ip != "0.0.0.0" &&
          binding->host_ip != "::") {
        ep.ip = binding->host_ip;
        ep.port = std::to_string(binding->host_port);
        ep.network = "binding";
        return ep;
      }
      if (!bind_fallback_logged_) {
        bind_fallback_logged_ = true;
        info(binding ? "useBindPortIP: port " + port + " is published on all addresses (" +
                           (binding->host_ip.empty() ? std::string("0.0.0.0") : binding->host_ip) +
                           "); using the container's own IP and port"
                     : "useBindPortIP: port " + port +
                           " is not published with a host IP; using the container's own IP "
                           "and port");
      }
    }
    auto ip =
        ipAddress(c_, network_label_.empty() ? settings_.network : network_label_, ep.network, 0);
    if (!ip)
      return fail(ip.error());
    if (ip->empty()) {
      return fail(Error::config(
          "no IP address: the container has no network with an address (network mode \"" +
          c_.network_mode + "\")"));
    }
    if (port.empty()) {
      return fail(Error::config("no port: the container exposes no port; set " + label_key));
    }
    ep.ip = std::move(*ip);
    ep.port = std::move(port);
    return ep;
  }

  // ---- HTTP ----

  bool buildHttpServices(config::HttpConfig& http, ContainerConf& conf) {
    if (http.services.empty())
      http.services[svc_].load_balancer.emplace();
    for (auto& [name, service] : http.services) {
      if (!service.load_balancer) {
        if (!add_servers_)
          continue;
        error("service " + name +
              ": only loadBalancer services can be declared with labels (weighted, mirroring "
              "and failover services belong in a file) (container skipped)");
        return false;
      }
      auto& servers = service.load_balancer->servers;
      if (!add_servers_) {
        servers.clear();  // kept but unhealthy/not running: no server, so 503 (spec B.2)
        continue;
      }
      if (servers.empty())
        servers.emplace_back();
      servers.resize(1);
      config::HttpServer& s = servers.front();
      std::string key = "traefik.http.services." + name + ".loadbalancer.server.";
      if (!s.url.empty()) {
        if (!s.scheme.empty() || !s.port.empty()) {
          error("label " + key + "url: defining scheme or port is not allowed when URL is " +
                "defined (remove " + key + (s.port.empty() ? "scheme" : "port") +
                ") (container skipped)");
          return false;
        }
        conf.servers.push_back({"http", name, c_.name, "", s.url});
        continue;
      }
      auto ep = endpoint(s.port, key + "port");
      if (!ep) {
        error("service " + name + ": " + ep.error().message + " (container skipped)");
        return false;
      }
      std::string scheme = s.scheme.empty() ? "http" : s.scheme;
      s.url = scheme + "://" + hostPort(ep->ip, ep->port);
      s.scheme.clear();
      s.port.clear();
      conf.servers.push_back({"http", name, c_.name, ep->network, s.url});
    }
    return true;
  }

  void buildHttpRouters(config::HttpConfig& http, ContainerConf& conf) {
    if (http.routers.empty()) {
      if (http.services.size() > 1) {
        info("no router created: the container declares several services (" +
             std::to_string(http.services.size()) +
             ") and no router; add traefik.http.routers.<name>.service to route to one");
      } else {
        http.routers[svc_];
      }
    }
    TemplateData data{svc_, c_.name, &c_.labels};
    for (auto it = http.routers.begin(); it != http.routers.end();) {
      const std::string& name = it->first;
      config::HttpRouter& r = it->second;
      if (r.rule.empty()) {
        auto rule = rule_.render(data);
        if (!rule) {
          error("router " + name + ": default rule: " + rule.error().message + " (router dropped)");
          it = http.routers.erase(it);
          continue;
        }
        if (rule->empty()) {
          error("router " + name +
                ": the default rule produced an empty rule; set traefik.http.routers." + name +
                ".rule (router dropped)");
          it = http.routers.erase(it);
          continue;
        }
        r.rule = std::move(*rule);
        conf.default_rule_routers.insert(name);
      }
      if (r.service.empty()) {
        if (http.services.size() > 1) {
          std::vector<std::string> names;
          for (const auto& [s, _] : http.services)
            names.push_back(s);
          error("router " + name + ": cannot be linked automatically with several services (" +
                joinNames(names) + "); set traefik.http.routers." + name +
                ".service (router dropped)");
          it = http.routers.erase(it);
          continue;
        }
        r.service = http.services.begin()->first;
      }
      ++it;
    }
  }

  // ---- TCP / UDP ----

  template <class Lb, class Server>
  bool addAddressServer(const std::string& proto, const std::string& name, Lb& lb,
                        ContainerConf& conf) {
    if (!add_servers_) {
      lb.servers.clear();
      return true;
    }
    if (lb.servers.empty())
      lb.servers.emplace_back();
    lb.servers.resize(1);
    Server& s = lb.servers.front();
    std::string key = "traefik." + proto + ".services." + name + ".loadbalancer.server.";
    if (!s.address.empty()) {
      if (!s.port.empty()) {
        error("label " + key + "address: defining port is not allowed when address is defined " +
              "(container skipped)");
        return false;
      }
      conf.servers.push_back({proto, name, c_.name, "", s.address});
      return true;
    }
    auto ep = endpoint(s.port, key + "port");
    if (!ep) {
      error(proto == "tcp"
                ? "TCP service " + name + ": " + ep.error().message + " (container skipped)"
                : "UDP service " + name + ": " + ep.error().message + " (container skipped)");
      return false;
    }
    s.address = hostPort(ep->ip, ep->port);
    s.port.clear();
    conf.servers.push_back({proto, name, c_.name, ep->network, s.address});
    return true;
  }

  bool buildTcp(config::TcpConfig& tcp, ContainerConf& conf) {
    if (tcp.services.empty())
      tcp.services[svc_].load_balancer.emplace();
    for (auto& [name, service] : tcp.services) {
      if (!service.load_balancer) {
        if (!add_servers_)
          continue;
        error("TCP service " + name +
              ": only loadBalancer services can be declared with labels (container skipped)");
        return false;
      }
      if (!addAddressServer<config::TcpLoadBalancer, config::TcpServer>(
              "tcp", name, *service.load_balancer, conf))
        return false;
    }
    for (auto it = tcp.routers.begin(); it != tcp.routers.end();) {
      const std::string& name = it->first;
      if (it->second.rule.empty()) {
        error("TCP router " + name + ": empty rule; TCP routers need traefik.tcp.routers." + name +
              ".rule, e.g. HostSNI(`*`) (router dropped)");
        it = tcp.routers.erase(it);
        continue;
      }
      if (it->second.service.empty()) {
        if (tcp.services.size() > 1) {
          error("TCP router " + name +
                ": cannot be linked automatically with several services; set "
                "traefik.tcp.routers." +
                name + ".service (router dropped)");
          it = tcp.routers.erase(it);
          continue;
        }
        it->second.service = tcp.services.begin()->first;
      }
      ++it;
    }
    return true;
  }

  bool buildUdp(config::UdpConfig& udp, ContainerConf& conf) {
    if (udp.services.empty())
      udp.services[svc_].load_balancer.emplace();
    for (auto& [name, service] : udp.services) {
      if (!service.load_balancer) {
        if (!add_servers_)
          continue;
        error("UDP service " + name +
              ": only loadBalancer services can be declared with labels (container skipped)");
        return false;
      }
      if (!addAddressServer<config::UdpLoadBalancer, config::UdpServer>(
              "udp", name, *service.load_balancer, conf))
        return false;
    }
    for (auto it = udp.routers.begin(); it != udp.routers.end();) {
      if (it->second.service.empty()) {
        if (udp.services.size() > 1) {
          error("UDP router " + it->first +
                ": cannot be linked automatically with several services; set "
                "traefik.udp.routers." +
                it->first + ".service (router dropped)");
          it = udp.routers.erase(it);
          continue;
        }
        it->second.service = udp.services.begin()->first;
      }
      ++it;
    }
    return true;
  }

  const DockerModelSettings& settings_;
  const DefaultRuleTemplate& rule_;
  const std::vector<ContainerInfo>& all_;
  const ContainerInfo& c_;
  DockerModelOutput& out_;
  std::string svc_;
  std::string network_label_;
  bool add_servers_ = true;
  bool network_choice_logged_ = false;
  bool network_warned_ = false;
  bool port_choice_logged_ = false;
  bool bind_fallback_logged_ = false;
};

// ---- merge (spec B.9) -----------------------------------------------------------------------

struct Owners {
  std::vector<std::string> containers;
  std::optional<std::string> conflict_field;
};

class Merger {
 public:
  explicit Merger(DockerModelOutput& out) : out_(out) {}

  void add(const ContainerConf& conf) {
    DynamicConfig& into = out_.config;
    const DynamicConfig& from = conf.cfg;
    const std::string& who = conf.container;
    for (const auto& [name, s] : from.http.services)
      mergeService("HTTP service", into.http.services, name, s, who,
                   [](const config::HttpServer& x) { return x.url; });
    for (const auto& [name, r] : from.http.routers) {
      bool from_default = conf.default_rule_routers.count(name) != 0;
      auto flag = default_flags_.find(name);
      if (flag != default_flags_.end() && flag->second != from_default &&
          into.http.routers.count(name) != 0) {
        // Same text, different origin: Traefik compares its DefaultRule flag too.
        Owners& o = owners_["HTTP router"][name];
        o.containers.push_back(who);
        if (!o.conflict_field)
          o.conflict_field = "rule (default rule on one container, explicit on the other)";
        continue;
      }
      default_flags_.emplace(name, from_default);
      mergeEqual("HTTP router", into.http.routers, name, r, who);
    }
    for (const auto& [name, m] : from.http.middlewares)
      mergeEqual("HTTP middleware", into.http.middlewares, name, m, who);
    for (const auto& [name, s] : from.tcp.services)
      mergeService("TCP service", into.tcp.services, name, s, who,
                   [](const config::TcpServer& x) { return x.address; });
    for (const auto& [name, r] : from.tcp.routers)
      mergeEqual("TCP router", into.tcp.routers, name, r, who);
    for (const auto& [name, m] : from.tcp.middlewares)
      mergeEqual("TCP middleware", into.tcp.middlewares, name, m, who);
    for (const auto& [name, s] : from.udp.services)
      mergeService("UDP service", into.udp.services, name, s, who,
                   [](const config::UdpServer& x) { return x.address; });
    for (const auto& [name, r] : from.udp.routers)
      mergeEqual("UDP router", into.udp.routers, name, r, who);
    for (const auto& [name, st] : from.tls.stores)
      mergeEqual("TLS store", into.tls.stores, name, st, who);
    for (const auto& name : conf.default_rule_routers)
      out_.default_rule_routers.insert(name);
    for (const auto& s : conf.servers)
      origins_.push_back(s);
  }

  void finish() {
    DynamicConfig& c = out_.config;
    for (const auto& [kind, names] : owners_) {
      for (const auto& [name, o] : names) {
        if (!o.conflict_field)
          continue;
        if (kind == "HTTP service")
          c.http.services.erase(name);
        else if (kind == "HTTP router")
          c.http.routers.erase(name);
        else if (kind == "HTTP middleware")
          c.http.middlewares.erase(name);
        else if (kind == "TCP service")
          c.tcp.services.erase(name);
        else if (kind == "TCP router")
          c.tcp.routers.erase(name);
        else if (kind == "TCP middleware")
          c.tcp.middlewares.erase(name);
        else if (kind == "UDP service")
          c.udp.services.erase(name);
        else if (kind == "UDP router")
          c.udp.routers.erase(name);
        else if (kind == "TLS store")
          c.tls.stores.erase(name);
        std::vector<std::string> distinct;
        for (const auto& who : o.containers)
          if (std::find(distinct.begin(), distinct.end(), who) == distinct.end())
            distinct.push_back(who);
        out_.conflicts.push_back({kind, name, distinct, *o.conflict_field});
        out_.errors.push_back(
            {distinct.front(), kind + " " + name +
                                   " is defined with different configurations by containers " +
                                   joinNames(distinct, " and ") + " (first difference: " +
                                   (o.conflict_field->empty() ? "value" : *o.conflict_field) +
                                   "); removed from all of them"});
      }
    }
    for (auto it = out_.default_rule_routers.begin(); it != out_.default_rule_routers.end();) {
      it = c.http.routers.count(*it) ? std::next(it) : out_.default_rule_routers.erase(it);
    }
    for (auto& s : origins_) {
      bool kept = s.protocol == "http"  ? c.http.services.count(s.service) != 0
                  : s.protocol == "tcp" ? c.tcp.services.count(s.service) != 0
                                        : c.udp.services.count(s.service) != 0;
      if (kept)
        out_.servers.push_back(std::move(s));
    }
  }

 private:
  template <class T>
  void mergeEqual(const std::string& kind, std::map<std::string, T>& into, const std::string& name,
                  const T& value, const std::string& who) {
    Owners& o = owners_[kind][name];
    o.containers.push_back(who);
    auto it = into.find(name);
    if (it == into.end()) {
      if (!o.conflict_field)
        into.emplace(name, value);
      return;
    }
    if (o.conflict_field)
      return;
    if (auto d = diff(it->second, value))
      o.conflict_field = *d;
  }

  template <class Service, class Key>
  void mergeService(const std::string& kind, std::map<std::string, Service>& into,
                    const std::string& name, const Service& value, const std::string& who,
                    Key key) {
    Owners& o = owners_[kind][name];
    o.containers.push_back(who);
    auto it = into.find(name);
    if (it == into.end()) {
      if (!o.conflict_field)
        into.emplace(name, value);
      return;
    }
    if (o.conflict_field)
      return;
    if (auto d = diff(it->second, value)) {  // settings only: load balancers skip servers
      o.conflict_field = *d;
      return;
    }
    if (!it->second.load_balancer || !value.load_balancer)
      return;
    auto& servers = it->second.load_balancer->servers;
    for (const auto& s : value.load_balancer->servers) {
      bool dup = std::any_of(servers.begin(), servers.end(),
                             [&](const auto& x) { return key(x) == key(s); });
      if (!dup)
        servers.push_back(s);
    }
  }

  DockerModelOutput& out_;
  std::map<std::string, std::map<std::string, Owners>> owners_;
  std::map<std::string, bool> default_flags_;
  std::vector<ServerOrigin> origins_;
};

}  // namespace

DockerModelOutput DockerModel::build(const std::vector<ContainerInfo>& containers) const {
  DockerModelOutput out;
  try {
    std::vector<ContainerConf> confs;
    for (const auto& c : containers) {
      ContainerBuilder b(settings_, default_rule_, containers, c, out);
      if (auto conf = b.run(constraints_))
        confs.push_back(std::move(*conf));
    }
    std::sort(confs.begin(), confs.end(), [](const ContainerConf& a, const ContainerConf& b) {
      return a.sort_key < b.sort_key;
    });
    Merger merger(out);
    for (const auto& conf : confs)
      merger.add(conf);
    merger.finish();
  } catch (const std::exception& e) {
    out.config = DynamicConfig{};
    out.errors.push_back({"*", std::string("internal error while building: ") + e.what()});
  }
  return out;
}

}  // namespace pier::providers::docker
