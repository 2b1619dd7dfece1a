#include "config/dynamic_merge.h"

#include <map>

namespace pier::config {
namespace {

std::string qualified(const std::string& name, const std::string& provider) {
  if (name.empty() || name.find('@') != std::string::npos) {
    return name;
  }
  return name + "@" + provider;
}

void qualifyRef(std::string& ref, const std::string& provider) {
  ref = qualified(ref, provider);
}

// A router's `tls.options` reference: "default" (or none) means the shared default options.
void qualifyTlsOptionsRef(std::string& ref, const std::string& provider) {
  if (!ref.empty() && ref != "default") {
    ref = qualified(ref, provider);
  }
}

void qualifyRefs(std::vector<std::string>& refs, const std::string& provider) {
  for (std::string& r : refs) {
    qualifyRef(r, provider);
  }
}

template <typename T, typename Fix>
void requalifyMap(std::map<std::string, T>& map, const std::string& provider, Fix&& fix) {
  std::map<std::string, T> out;
  for (auto& [name, value] : map) {
    fix(value);
    out.emplace(qualified(name, provider), std::move(value));
  }
  map = std::move(out);
}

template <typename T>
void mergeMap(const char* kind, std::map<std::string, T>& into,
              const std::map<std::string, T>& from, std::vector<std::string>& warnings) {
  for (const auto& [name, value] : from) {
    if (!into.emplace(name, value).second) {
      warnings.push_back(std::string(kind) + " " + name +
                         " is defined more than once; the first definition is kept");
    }
  }
}

}  // namespace

void qualifyNames(DynamicConfig& cfg, const std::string& p) {
  requalifyMap(cfg.http.routers, p, [&](HttpRouter& r) {
    qualifyRef(r.service, p);
    qualifyRefs(r.middlewares, p);
    if (r.tls) {
      qualifyTlsOptionsRef(r.tls->options, p);
    }
  });
  requalifyMap(cfg.http.services, p, [&](HttpService& s) {
    if (s.load_balancer) {
      qualifyRef(s.load_balancer->servers_transport, p);
    }
    for (auto* w : {&s.weighted, &s.highest_random_weight}) {
      if (*w) {
        for (WeightedRef& ref : (*w)->services)
          qualifyRef(ref.name, p);
      }
    }
    if (s.mirroring) {
      qualifyRef(s.mirroring->service, p);
      for (MirrorRef& m : s.mirroring->mirrors)
        qualifyRef(m.name, p);
    }
    if (s.failover) {
      qualifyRef(s.failover->service, p);
      qualifyRef(s.failover->fallback, p);
    }
  });
  requalifyMap(cfg.http.middlewares, p, [](Middleware&) {});
  requalifyMap(cfg.http.servers_transports, p, [](HttpServersTransport&) {});
  requalifyMap(cfg.tcp.routers, p, [&](TcpRouter& r) {
    qualifyRef(r.service, p);
    qualifyRefs(r.middlewares, p);
    if (r.tls) {
      qualifyTlsOptionsRef(r.tls->options, p);
    }
  });
  requalifyMap(cfg.tcp.services, p, [&](TcpService& s) {
    if (s.load_balancer) {
      qualifyRef(s.load_balancer->servers_transport, p);
    }
    if (s.weighted) {
      for (WeightedRef& ref : s.weighted->services)
        qualifyRef(ref.name, p);
    }
  });
  requalifyMap(cfg.tcp.middlewares, p, [](Middleware&) {});
  requalifyMap(cfg.tcp.servers_transports, p, [](TcpServersTransport&) {});
  // TLS options named "default" are shared by every provider (spec F.2); the others are
  // qualified like routers.
  std::map<std::string, TlsOptions> options;
  for (auto& [name, opt] : cfg.tls.options) {
    options.emplace(name == "default" ? name : qualified(name, p), std::move(opt));
  }
  cfg.tls.options = std::move(options);
  requalifyMap(cfg.udp.routers, p, [&](UdpRouter& r) { qualifyRef(r.service, p); });
  requalifyMap(cfg.udp.services, p, [&](UdpService& s) {
    if (s.weighted) {
      for (WeightedRef& ref : s.weighted->services)
        qualifyRef(ref.name, p);
    }
  });
}

std::vector<std::string> mergeFirstWins(DynamicConfig& into, const DynamicConfig& from) {
  std::vector<std::string> w;
  mergeMap("router", into.http.routers, from.http.routers, w);
  mergeMap("service", into.http.services, from.http.services, w);
  mergeMap("middleware", into.http.middlewares, from.http.middlewares, w);
  mergeMap("serversTransport", into.http.servers_transports, from.http.servers_transports, w);
  mergeMap("TCP router", into.tcp.routers, from.tcp.routers, w);
  mergeMap("TCP service", into.tcp.services, from.tcp.services, w);
  mergeMap("TCP middleware", into.tcp.middlewares, from.tcp.middlewares, w);
  mergeMap("TCP serversTransport", into.tcp.servers_transports, from.tcp.servers_transports, w);
  mergeMap("UDP router", into.udp.routers, from.udp.routers, w);
  mergeMap("UDP service", into.udp.services, from.udp.services, w);
  mergeMap("TLS options", into.tls.options, from.tls.options, w);
  mergeMap("TLS store", into.tls.stores, from.tls.stores, w);
  into.tls.certificates.insert(into.tls.certificates.end(), from.tls.certificates.begin(),
                               from.tls.certificates.end());
  return w;
}

}  // namespace pier::config
