// Active health checks, builder side (spec D.3): compiles a loadBalancer's `healthCheck` into a
// runtime::HealthCheckSpec and gives the service its runtime::ServerHealth flags. A service whose
// server list and check settings did not change since the previous generation gets the very
// same flags object, so a reload does not put a down server back into rotation.
// Thread: control loop only (called by buildSnapshot).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/dynamic_model.h"
#include "config/static_config.h"
#include "runtime/snapshot.h"

namespace pier::control {

// The probe settings with Traefik's defaults applied (interval/timeout <= 0 -> 30s/5s,
// unhealthyInterval unset -> interval). `transport` is the service's serversTransport, null for
// the static default (`static_transport`).
runtime::HealthCheckSpec compileHealthCheck(const config::ServerHealthCheck& hc,
                                            const config::HttpServersTransport* transport,
                                            const config::StaticServersTransport& static_transport);

// For every load-balancer service of `next` whose configuration in `merged` has a healthCheck:
// attaches ServerHealth, reused from `previous` (may be null) when unchanged. Appends warnings
// (e.g. mode grpc, not supported: the service is served unchecked).
void attachServerHealth(runtime::Snapshot& next, const config::DynamicConfig& merged,
                        const config::StaticConfig& static_config,
                        const runtime::Snapshot* previous, std::vector<std::string>& warnings);

}  // namespace pier::control
