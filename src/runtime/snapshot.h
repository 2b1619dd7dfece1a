// One configuration generation, compiled for the data path: route tables per entry point, router
// and service specs. Immutable once built and shared by every worker through
// std::shared_ptr<const Snapshot>; a request pins the generation it started with (T3).
//
// Why a module of its own rather than routing/: routing/ is the rule language and its tables
// (pure, fuzzed); the snapshot ties those tables to services, transports and entry points, and
// is produced by control/ and read by proxy/.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "middleware/chain.h"
#include "routing/route_table.h"

namespace pier::runtime {

using Millis = std::chrono::milliseconds;

// What a servers transport says about talking to backends (spec D.4; TLS fields arrive later).
struct TransportSpec {
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

enum class ServiceKind : std::uint8_t {
  LoadBalancer,  // forward to servers
  Ping,          // ping@internal
  Redirect,      // entry-point redirection (internal)
  Noop,          // noop@internal: 418
};

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
};

struct RouterSpec {
  std::string name;  // qualified
  std::uint32_t service = 0;
  bool from_default_rule = false;  // loop guard (spec G.3)
  std::string loop_guard_value;    // X-Traefik-Router value when from_default_rule
  middleware::ChainPtr chain;      // the router's middlewares, in order; null when none
};

struct EntryPointRoutes {
  std::string name;
  routing::HttpRouteTable http;  // non-TLS routers on this entry point
};

struct Snapshot {
  std::uint64_t generation = 0;
  std::vector<EntryPointRoutes> entry_points;  // same order as the static entry points
  std::vector<RouterSpec> routers;             // route targets index into this
  std::vector<ServiceSpec> services;           // routers index into this

  const EntryPointRoutes* entryPoint(std::size_t index) const {
    return index < entry_points.size() ? &entry_points[index] : nullptr;
  }
};

using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

}  // namespace pier::runtime
