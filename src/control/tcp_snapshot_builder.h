// The TCP part of a snapshot build (spec C1, D.6): TCP services (loadBalancer, and weighted
// ones flattened into one server list) and TCP routers, put into the snapshot, with the routes
// of each entry point for the caller to turn into route tables. Thread: control loop only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "config/dynamic_model.h"
#include "control/snapshot_build_context.h"
#include "middleware/tcp_middleware.h"
#include "routing/route_table.h"

namespace pier::control {

// A TCP server address `host:port` or `[v6]:port` (spec D.6).
Result<runtime::TcpServerSpec> parseTcpAddress(const std::string& address);

class TcpSnapshotBuilder {
 public:
  // `ctx.snapshot.server_tls` must be built: TLS routers check their options against it.
  TcpSnapshotBuilder(SnapshotBuildContext& ctx, const config::DynamicConfig& merged);

  // Services first, then weighted services, then routers; a broken object is left out with
  // its error reported.
  void build();

  // Per entry point (index into ctx.entry_point_names): routes of routers without TLS, and of
  // routers with TLS (terminated or passed through).
  std::vector<std::vector<routing::TcpRoute>>& routes() { return routes_; }
  std::vector<std::vector<routing::TcpRoute>>& tlsRoutes() { return tls_routes_; }

 private:
  void buildServices();
  void buildWeightedServices();
  Result<runtime::TcpServiceSpec> flattenWeighted(const std::string& name,
                                                  std::set<std::string>& visiting);
  void buildRouters();

  SnapshotBuildContext& ctx_;
  const config::DynamicConfig& merged_;
  middleware::TcpMiddlewareSet middlewares_;
  std::unordered_map<std::string, std::uint32_t> service_index_;
  std::vector<std::vector<routing::TcpRoute>> routes_;
  std::vector<std::vector<routing::TcpRoute>> tls_routes_;
};

}  // namespace pier::control
