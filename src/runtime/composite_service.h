// Services made of other services (spec D.5: weighted, mirroring, failover) and sticky cookies
// (spec D.2), as the data path reads them. Children are indexes into Snapshot::services; the
// builder guarantees they are valid and acyclic, so walking them always ends at a loadBalancer.
// Immutable once built, shared through runtime::ServiceSpec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/cookie.h"

namespace pier::runtime {

// The cookie of `sticky.cookie`. `name` is already sanitised or derived from the service name
// (runtime/sticky_cookie.h).
struct StickyCookieSpec {
  std::string name;
  http::CookieAttributes attributes;  // written on every Set-Cookie
  // Cookie value for each target: a loadBalancer's servers (by server index), or a weighted
  // service's children (by child index). A 16-hex-digit hash, never the address itself.
  std::vector<std::string> values;
  // Older value formats Traefik accepted (raw name, FNV-64 hex, double FNV): a match still
  // selects the target, and the cookie is rewritten in the current format.
  std::vector<std::vector<std::string>> legacy_values;
};

struct WeightedChild {
  std::uint32_t service = 0;
  int weight = 1;  // > 0
};

struct MirrorTarget {
  std::uint32_t service = 0;
  int percent = 0;  // 0..100
};

struct CompositeSpec {
  // Weighted: smooth weighted round-robin over `children`.
  std::vector<WeightedChild> children;
  // Mirroring and Failover: the main service. Failover: `fallback` when main has no server up.
  std::uint32_t main = 0;
  std::uint32_t fallback = 0;
  // Mirroring: copies of the request go to `mirrors`; their answers are dropped.
  std::vector<MirrorTarget> mirrors;
  bool mirror_body = true;
  std::int64_t max_body_size = -1;  // -1 = unlimited; a larger body is not mirrored
};

}  // namespace pier::runtime
