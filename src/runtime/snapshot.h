// One configuration generation, compiled for the data path: route tables per entry point, router
// and service specs. Immutable once built and shared by every worker through
// std::shared_ptr<const Snapshot>; a request pins the generation it started with (T3).
//
// Why a module of its own rather than routing/: routing/ is the rule language and its tables
// (pure, fuzzed); the snapshot ties those tables to services, transports and entry points, and
// is produced by control/ and read by proxy/.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "middleware/chain.h"
#include "middleware/tcp_middleware.h"
#include "routing/route_table.h"
#include "runtime/composite_service.h"

#include "runtime/health_check.h"

namespace pier::tls {
class ServerTls;      // tls/server_tls.h; only the proxy and the builder look inside
class ClientContext;  // tls/client_tls.h
}  // namespace pier::tls

namespace pier::runtime {

using Millis = std::chrono::milliseconds;

// Series id given by observability::MetricsRegistry when the snapshot is built; internal
// routers and services, and builds without metrics, keep kNoMetricsId.
inline constexpr std::uint32_t kNoMetricsId = 0xffffffffu;

// What a servers transport says about talking to backends (spec D.4).
struct TransportSpec {
  std::string name = "default@internal";  // serversTransport name; part of the pool key
  // TLS towards https servers (built only when the service has one); null = plain.
  std::shared_ptr<const tls::ClientContext> tls;
  Millis dial_timeout{30000};
  Millis response_header_timeout{0};  // 0 = none
  Millis idle_conn_timeout{90000};
  std::uint32_t max_idle_conns_per_host = 200;
};

struct ServerSpec {
  std::string url;   // as configured, for logs and the API
  std::string host;  // host part (IP literal or name)
  std::uint16_t port = 80;
  std::string authority;  // host[:port] as in the URL, for Host when passHostHeader=false
  std::string base_path;  // URL path, used only with preservePath
  int weight = 1;
  bool https = false;
};

// Active health checks (spec D.2 `healthCheck`): one flag per server of a loadBalancer service,
// written by the checker, read by workers with relaxed loads (a stale read costs one request at
// most). The same object is handed to the next generation while the service's server list is
// unchanged, so a reload does not forget which servers are down.
struct ServerHealth {
  explicit ServerHealth(std::size_t servers)
      : count(servers), up(std::make_unique<std::atomic<bool>[]>(servers)) {
    for (std::size_t i = 0; i < servers; ++i) {
      up[i].store(true, std::memory_order_relaxed);
    }
  }
  std::size_t count;
  std::unique_ptr<std::atomic<bool>[]> up;
  // What the checker probes with (set once by the builder; equal settings are part of the
  // condition for handing this object to the next generation).
  std::shared_ptr<const HealthCheckSpec> check;
};

enum class ServiceKind : std::uint8_t {
  LoadBalancer,  // forward to servers
  Ping,          // ping@internal
  Redirect,      // entry-point redirection (internal)
  Noop,          // noop@internal: 418
  Live,          // live@internal: /live (worker loops alive)
  Ready,         // ready@internal: /ready (configured, bound, not draining)
  Prometheus,    // prometheus@internal: /metrics
  Api,           // api@internal: /api/...
  // Composite services (spec D.5): resolved per request to a LoadBalancer leaf
  // (proxy/service_resolver.h); `composite` holds their children.
  Weighted,
  Mirroring,
  Failover,
};

// Services whose requests reach backends (observed in metrics and access logs).
inline bool forwardsToBackends(ServiceKind kind) {
  return kind == ServiceKind::LoadBalancer || kind == ServiceKind::Weighted ||
         kind == ServiceKind::Mirroring || kind == ServiceKind::Failover;
}

struct RedirectSpec {
  std::string scheme = "https";
  std::string port;  // empty = scheme default (omitted from Location)
  bool permanent = true;
};

struct ServiceSpec {
  std::string name;  // qualified, e.g. whoami@file
  ServiceKind kind = ServiceKind::LoadBalancer;
  std::vector<ServerSpec> servers;  // weight > 0 only
  bool pass_host_header = true;
  TransportSpec transport;
  RedirectSpec redirect;
  std::uint32_t metrics_id = kNoMetricsId;
  // Set when the service has a healthCheck; null means every server counts as up.
  std::shared_ptr<ServerHealth> health;
  // Weighted, Mirroring, Failover: children (runtime/composite_service.h); null otherwise.
  std::shared_ptr<const CompositeSpec> composite;
  // `sticky.cookie` of a loadBalancer or weighted service; null when not sticky.
  std::shared_ptr<const StickyCookieSpec> sticky;

  bool serverUp(std::size_t i) const {
    return health == nullptr || i >= health->count || health->up[i].load(std::memory_order_relaxed);
  }
  // A service with no server up is "down" for failover and for the 503 answer.
  bool anyServerUp() const {
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (serverUp(i)) {
        return true;
      }
    }
    return false;
  }
};

struct RouterSpec {
  std::string name;  // qualified
  std::uint32_t service = 0;
  bool from_default_rule = false;  // loop guard (spec G.3)
  std::string loop_guard_value;    // X-Traefik-Router value when from_default_rule
  // TLS routers: the options they resolved to; a request arriving on a connection that
  // negotiated other options gets 421 (spec F.4, blocks domain fronting).
  std::string tls_options;
  std::uint32_t metrics_id = kNoMetricsId;
  middleware::ChainPtr chain;  // the router's middlewares, in order; null when none
};

// ---- TCP routers and services (spec C.3, C.5, D.6, F.5) --------------------------------------

struct TcpServerSpec {
  std::string address;  // as configured (host:port), for logs and the API
  std::string host;
  std::uint16_t port = 0;
  int weight = 1;
  bool tls = false;  // dial TLS to this server
};

struct TcpServiceSpec {
  std::string name;                    // qualified
  std::vector<TcpServerSpec> servers;  // weight > 0 only
  Millis dial_timeout{30000};
  Millis termination_delay{100};   // after one side half-closes; negative = wait for both
  int proxy_protocol_version = 0;  // 0 = none; 1 or 2: PROXY header sent to the server
  // TLS towards servers marked `tls` (the transport's settings); null when none is.
  std::shared_ptr<const tls::ClientContext> tls;
};

enum class TcpTlsMode : std::uint8_t {
  None,         // plain TCP (only HostSNI(`*`) / ClientIP rules can match)
  Passthrough,  // route on the ClientHello, forward every byte untouched
  Terminate,    // terminate TLS here, forward the decrypted stream
};

struct TcpRouterSpec {
  std::string name;           // qualified
  std::uint32_t service = 0;  // index into Snapshot::tcp_services
  TcpTlsMode tls = TcpTlsMode::None;
  std::string tls_options = "default";  // resolved options name (Terminate only)
  // tcp.middlewares (inFlightConn, ipAllowList), in order; checked once per connection.
  std::vector<middleware::TcpMiddlewarePtr> middlewares;
};

// Which TLS options a handshake uses, chosen by SNI from the HTTPS routers' Host domains
// (spec F.4); names not listed use "default". Hash lookups: one per handshake however many
// routers there are.
struct TlsOptionsByDomain {
  std::unordered_map<std::string, std::string> exact;     // domain -> options name
  std::unordered_map<std::string, std::string> wildcard;  // ".suffix" of "*.suffix" -> options
  const std::string& lookup(std::string_view sni) const;
};

struct EntryPointRoutes {
  std::string name;
  routing::HttpRouteTable http;    // non-TLS HTTP routers on this entry point
  routing::HttpRouteTable https;   // TLS HTTP routers: served only after a TLS handshake
  routing::TcpRouteTable tcp;      // non-TLS TCP routers (spec C.5 "T")
  routing::TcpRouteTable tcp_tls;  // TLS TCP routers, terminated or passed through ("TT")
  TlsOptionsByDomain https_options;
  // A TLS HTTP router has a Host domain matching this SNI (spec C.5 4b): terminate for HTTPS.
  bool httpsClaims(std::string_view sni) const;
  // Domains of TLS HTTP routers, lower-case: exact names, and ".suffix" for "*.suffix".
  std::unordered_set<std::string> https_exact;
  std::unordered_set<std::string> https_wildcard;
  bool https_catch_all = false;  // some TLS HTTP router has no Host domain
};

struct Snapshot {
  std::uint64_t generation = 0;
  std::vector<EntryPointRoutes> entry_points;  // same order as the static entry points
  std::vector<RouterSpec> routers;             // route targets index into this
  std::vector<ServiceSpec> services;           // routers index into this
  std::vector<TcpRouterSpec> tcp_routers;      // TCP route targets index into this
  std::vector<TcpServiceSpec> tcp_services;    // TCP routers index into this
  // Certificates and TLS options of this generation (never null once built).
  std::shared_ptr<const tls::ServerTls> server_tls;

  const EntryPointRoutes* entryPoint(std::size_t index) const {
    return index < entry_points.size() ? &entry_points[index] : nullptr;
  }
};

using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

}  // namespace pier::runtime
