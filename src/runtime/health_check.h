// The probe settings of an active health check (spec D.3 `healthCheck`), compiled from the
// dynamic model by the snapshot builder (control/health_attach.cc) and read by the checker
// (health/health_checker.cc). Plain values only: the data path never looks at them.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace pier::runtime {

struct HealthCheckSpec {
  bool operator==(const HealthCheckSpec&) const = default;

  std::string path;    // relative reference resolved against the server URL
  std::string scheme;  // empty = the server's
  std::string method = "GET";
  std::string hostname;  // Host of the probe; empty = the probed authority
  int port = 0;          // 0 = the server's
  int status = 0;        // 0 = any 2xx/3xx is healthy, otherwise this exact code
  std::chrono::milliseconds interval{30000};            // between probes of an up server
  std::chrono::milliseconds unhealthy_interval{30000};  // between probes of a down server
  std::chrono::milliseconds timeout{5000};              // whole probe, connect included
  std::vector<std::pair<std::string, std::string>> headers;
  bool follow_redirects = true;
  // TLS of https probes, from the service's serversTransport.
  bool insecure_skip_verify = false;
  std::string root_ca;  // file path or inline PEM; empty = system roots
};

}  // namespace pier::runtime
