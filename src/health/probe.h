// The pure parts of an active health check (spec D.3): which URL a probe asks, whether an
// answer counts as healthy, and when a server is probed next. No I/O, unit-tested.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "runtime/health_check.h"
#include "runtime/snapshot.h"

namespace pier::health {

// `check.path` resolved against the server URL as a relative reference (an absolute URL or a
// scheme-relative one is an error, as Traefik >= 3.6.8), with the scheme and port overrides.
// Always names the port: http://10.0.0.5:8080/health?x=1
Result<std::string> probeUrl(const runtime::HealthCheckSpec& check,
                             const runtime::ServerSpec& server);

// status 0: any code in [200, 400) is healthy; otherwise only that exact code.
bool statusHealthy(int expected, long code);

// Why an answer is unhealthy, for the log ("" when healthy).
std::string statusProblem(int expected, long code);

// Period until the next probe of a server that is `up` (interval) or down (unhealthyInterval).
std::chrono::milliseconds probeInterval(const runtime::HealthCheckSpec& check, bool up);

}  // namespace pier::health
