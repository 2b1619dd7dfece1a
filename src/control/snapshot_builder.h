// Compiles the merged dynamic configuration plus the static entry points into one immutable
// runtime::Snapshot (spec I.1 step 6). Every router and service is built on its own: one that
// fails is left out with its error recorded, and everything else goes in (spec I.2).
// Thread: control loop only.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "control/build_report.h"  // BuildReport
#include "runtime/snapshot.h"
#include "tls/server_tls.h"

namespace pier::observability {
class MetricsRegistry;
}

namespace pier::control {

struct BuildResult {
  runtime::SnapshotConstSharedPtr snapshot;
  BuildReport report;
};

// `entry_point_names` fixes the order of Snapshot::entry_points (the workers' indexes).
// `merged` carries qualified names (name@provider); internal routers (ping, redirections) are
// added here from the static configuration.
// `default_rule_routers` are the qualified names of routers whose rule came from a provider's
// defaultRule: they get the X-Traefik-Router loop guard (spec G.3).
// `previous_tls`: the TLS state of the generation being replaced; certificates and contexts
// whose inputs did not change are reused from it (and the generated default certificate kept).
// `metrics`, when given, assigns the routers' and services' series ids (issue #5).
// `previous`: the generation being replaced; health-check flags of unchanged services are
// handed over from it (control/health_attach.h).
BuildResult buildSnapshot(const config::StaticConfig& static_config,
                          const std::vector<std::string>& entry_point_names,
                          const config::DynamicConfig& merged, std::uint64_t generation,
                          const std::set<std::string>& default_rule_routers = {},
                          const tls::ServerTls* previous_tls = nullptr,
                          observability::MetricsRegistry* metrics = nullptr,
                          const runtime::Snapshot* previous = nullptr);

// The X-Traefik-Router value for a router: FNV-1 64-bit hash of its qualified name, in hex.
std::string loopGuardValue(const std::string& qualified_router_name);

}  // namespace pier::control
