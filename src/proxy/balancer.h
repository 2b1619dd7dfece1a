// Smooth weighted round-robin (spec D.1 `wrr`): per worker, per service. Each pick adds every
// server's weight to its current value, takes the largest, and subtracts the total from it, so
// weights 5:1:1 give a a b a c a a rather than bursts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/snapshot.h"

namespace pier::proxy {

class Balancer {
 public:
  // Resets the cursor when the server list changed (the service name is kept by the caller).
  void reconcile(const runtime::ServiceSpec& service);
  // Returns the index of the next server, or -1 when the service has none.
  int pick(const runtime::ServiceSpec& service);

 private:
  std::vector<std::int64_t> current_;
  std::vector<std::string> urls_;  // to detect a changed server list across generations
};

}  // namespace pier::proxy
