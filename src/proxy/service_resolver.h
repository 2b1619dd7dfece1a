// Per-request resolution of a router's service to one backend server (spec D.1, D.2, D.5):
// walks weighted, mirroring and failover services down to a loadBalancer, honouring and
// minting sticky cookies on the way, and collects the mirrors this request must be copied to.
// Pure apart from the per-worker cursors it advances; the proxy calls it once per request.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/header_map.h"
#include "proxy/balancer.h"
#include "runtime/snapshot.h"

namespace pier::proxy {

// Per-worker rotation state of one composite service.
struct CompositeCursor {
  std::vector<std::int64_t> current;    // weighted: smooth WRR value per child
  std::uint64_t requests = 0;           // mirroring: requests seen
  std::vector<std::uint64_t> mirrored;  // mirroring: copies sent, per mirror
};

// Cursors of every composite service of the installed generation, by service index, carried
// over a reload by service name (like the balancers).
class CompositeCursors {
 public:
  void install(const runtime::Snapshot* previous, const runtime::Snapshot& next);
  CompositeCursor& at(std::size_t service_index);

 private:
  std::vector<CompositeCursor> cursors_;
};

// Where resolution reads and advances rotation state: the worker's balancers and cursors.
class ServiceCursors {
 public:
  virtual Balancer& balancer(std::size_t service_index) = 0;
  virtual CompositeCursor& cursor(std::size_t service_index) = 0;

 protected:
  ~ServiceCursors() = default;
};

// A mirror this request is copied to, with the settings of the mirroring service that chose it.
struct MirrorPlan {
  std::uint32_t service = 0;
  bool with_body = true;
  std::int64_t max_body_size = -1;
};

struct Resolution {
  enum class Outcome : std::uint8_t {
    Forward,            // leaf/server are set
    NoAvailableServer,  // 503 "no available server"
    Unavailable,        // failover with main and fallback down: 503 "Service Unavailable"
  };
  Outcome outcome = Outcome::NoAvailableServer;
  const runtime::ServiceSpec* leaf = nullptr;  // the loadBalancer service chosen
  int server = -1;                             // index into leaf->servers
  std::vector<std::string> set_cookies;        // Set-Cookie values for the response
  std::vector<MirrorPlan> mirrors;
};

// Resolves service `service` of `snapshot` for a request with `headers` (its Cookie fields).
// With `choose_mirrors` false, mirroring services only pass through to their main service
// (used to resolve a mirror itself: mirrors of mirrors are not followed).
Resolution resolveService(const runtime::Snapshot& snapshot, std::uint32_t service,
                          const http::HeaderMap& headers, ServiceCursors& cursors,
                          bool choose_mirrors = true);

// Smooth weighted round-robin over the entries whose `eligible` flag is set: adds each eligible
// weight to its current value, takes the largest, subtracts the eligible total from it.
// Returns -1 when none is eligible. `current` is resized (reset) when its size differs.
int smoothWeightedPick(std::vector<std::int64_t>& current, const std::vector<int>& weights,
                       const std::vector<bool>& eligible);

// Traefik's mirroring counter: a mirror with `percent` takes request number `requests` (1-based)
// while mirrored*100 < requests*percent, which spreads the copies evenly.
bool takeMirror(std::uint64_t requests, std::uint64_t& mirrored, int percent);

}  // namespace pier::proxy
