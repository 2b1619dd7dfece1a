// Builds the composite HTTP services (spec D.5: weighted, mirroring, failover) of one
// generation, and the sticky-cookie specs (spec D.2) of loadBalancer and weighted services.
// Runs after the loadBalancer and internal services are in the snapshot, so children are
// looked up by name; composite children are built first, depth first. A cycle, a missing
// child or a child with an error disables the parent with a message naming both.
// Thread: control loop only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/dynamic_model.h"
#include "runtime/snapshot.h"

namespace pier::control {

// `index`: name -> index of every service already in `snapshot`, extended with the composites
// built here. `errors`: one line per disabled object ("service NAME: why"); the lines already
// there explain why a loadBalancer child is missing, and new lines are appended.
void buildCompositeServices(const config::DynamicConfig& merged, runtime::Snapshot& snapshot,
                            std::unordered_map<std::string, std::uint32_t>& index,
                            std::vector<std::string>& errors, std::vector<std::string>& warnings);

// The sticky cookie of service `service_name` whose targets (server URLs, or child service
// names) are `target_ids`, in target order.
std::shared_ptr<const runtime::StickyCookieSpec> buildStickyCookie(
    const config::Cookie& cookie, const std::string& service_name,
    const std::vector<std::string>& target_ids);

}  // namespace pier::control
