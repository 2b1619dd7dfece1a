// Whether a service can take a request (spec D.3/D.5): a loadBalancer is up while one of its
// servers is (ServiceSpec::anyServerUp, fed by active health checks); a weighted service while
// one child is; mirroring follows its main service; failover is up while main or fallback is.
// Internal services are always up. Read on the data path (relaxed loads only).
#pragma once

#include <cstdint>

#include "runtime/snapshot.h"

namespace pier::runtime {

bool serviceUp(const Snapshot& snapshot, std::uint32_t service);

}  // namespace pier::runtime
